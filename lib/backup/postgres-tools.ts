import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { BackupError } from './backup-error';

/**
 * pg_dump and pg_restore as child processes. The password goes in PGPASSWORD, never on the
 * command line (where `ps` would show it) nor in anything printed; --no-password makes a tool
 * fail rather than wait for one on a terminal.
 */
export interface PostgresConnection {
  /** The URL without its password, for --dbname. */
  dbname: string;
  env: NodeJS.ProcessEnv;
  /** host:port/database, to name the database in messages. */
  display: string;
}

export function postgresConnection(url: string): PostgresConnection {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return {
    dbname: parsed.toString(),
    env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
    display: `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`,
  };
}

export interface RunningTool {
  stdout: Readable;
  /** Resolves when the tool exits with 0; rejects with what it printed otherwise. */
  exited: Promise<void>;
}

export function startPostgresTool(tool: string, args: string[], env: NodeJS.ProcessEnv, stdin?: Readable): RunningTool {
  const child = spawn(tool, args, { env, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output = `${output}${chunk}`.slice(-4000);
  });
  if (stdin) {
    stdin.pipe(child.stdin!);
    // pg_restore stops reading when it fails; its exit code tells why, not the broken pipe.
    child.stdin!.on('error', () => {});
  }
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new BackupError({ code: 'tool_missing', tool }) : error));
    child.once('close', (exitCode) => {
      if (exitCode === 0) resolve();
      else reject(new BackupError({ code: 'tool_failed', tool, exitCode, output: output.trim() }));
    });
  });
  // Awaited by the caller when it is done with the output; a failure before that is not unhandled.
  exited.catch(() => {});
  return { stdout: child.stdout!, exited };
}

/** The major version of a client tool, as it prints it (`pg_dump (PostgreSQL) 15.20 (Debian …)`). */
export async function postgresToolMajor(tool: string): Promise<{ major: number; version: string }> {
  const running = startPostgresTool(tool, ['--version'], process.env);
  let printed = '';
  for await (const chunk of running.stdout) printed += String(chunk);
  await running.exited;
  const version = /\(PostgreSQL\)\s+(\d+)(\.\d+)?/.exec(printed);
  if (!version) throw new BackupError({ code: 'tool_failed', tool, exitCode: 0, output: printed.trim() });
  return { major: Number(version[1]), version: `${version[1]}${version[2] ?? ''}` };
}
