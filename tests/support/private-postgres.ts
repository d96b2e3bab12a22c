import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePorts, loopback } from '../harness/net';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root: as root, the cluster belongs to the system's postgres user. */
const SERVICE_USER = 'postgres';

/**
 * A PostgreSQL cluster of the test's own, in a folder under tests/.tmp, on a free loopback port
 * with trust authentication and its unix socket inside the folder: the fault tests stop and
 * restart it as they like without touching the machine's PostgreSQL service.
 */
export class PrivatePostgres {
  private constructor(
    readonly folder: string,
    readonly port: number,
  ) {}

  /** The superuser's URL, for createTestDatabase. */
  get url(): string {
    return `postgres://postgres@${loopback}:${this.port}/postgres`;
  }

  get #dataDir(): string {
    return path.join(this.folder, 'data');
  }

  static async start(): Promise<PrivatePostgres> {
    const parent = path.resolve('tests/.tmp');
    // The parent as any folder (the server's user must pass through it), the cluster's its own.
    mkdirSync(parent, { recursive: true });
    const folder = path.join(parent, `postgres-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(folder, { mode: 0o700 });
    const [port = 0] = await freePorts(loopback, 1);
    const cluster = new PrivatePostgres(folder, port);
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', SERVICE_USER]);
      const { stdout: group } = await run('id', ['-g', SERVICE_USER]);
      chownSync(folder, Number(stdout.trim()), Number(group.trim()));
    }
    try {
      await cluster.#pg('initdb', ['-D', cluster.#dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      // In the configuration, not on pg_ctl's command line, so that every restart keeps it.
      appendFileSync(
        path.join(cluster.#dataDir, 'postgresql.conf'),
        [`port = ${port}`, `listen_addresses = '${loopback}'`, `unix_socket_directories = '${folder}'`, 'fsync = off', 'max_connections = 200', ''].join('\n'),
      );
      await cluster.start();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  async #pg(program: string, args: string[]): Promise<void> {
    const command = path.join(BIN, program);
    const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', SERVICE_USER, '--', command, ...args]] : [command, args];
    try {
      await run(file, argv, { cwd: this.folder });
    } catch (error) {
      const { stderr = '' } = error as { stderr?: string };
      throw new Error(`${program} ${args.join(' ')} failed: ${stderr}\n${this.serverLog()}`);
    }
  }

  #ctl(action: string, extra: string[] = []): Promise<void> {
    return this.#pg('pg_ctl', [action, '-D', this.#dataDir, '-l', path.join(this.folder, 'server.log'), '-w', '-t', '60', ...extra]);
  }

  start(): Promise<void> {
    return this.#ctl('start');
  }

  /** `fast` rolls back open transactions and cuts every connection, as an operator's restart does. */
  stop({ mode = 'fast' }: { mode?: 'smart' | 'fast' | 'immediate' } = {}): Promise<void> {
    return this.#ctl('stop', ['-m', mode]);
  }

  restart({ mode = 'fast' }: { mode?: 'smart' | 'fast' | 'immediate' } = {}): Promise<void> {
    return this.#ctl('restart', ['-m', mode]);
  }

  /** The end of the server's log, for a failing test's message. */
  serverLog(): string {
    try {
      return readFileSync(path.join(this.folder, 'server.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  /** Stops the server, whatever it is doing, and removes its folder. */
  async destroy(): Promise<void> {
    await this.stop({ mode: 'immediate' }).catch(() => {});
    rmSync(this.folder, { recursive: true, force: true });
  }
}
