import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { waitUntil } from '../../support/bulk-ingestion';

/** A free loopback port, as the operating system hands one out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningApp {
  url: string;
  /** How long start-up took, a build included when the sources changed since the last one. */
  startSeconds: number;
  stop(): Promise<void>;
}

/**
 * `npm start` (lib/cli/start.ts) on a PostgreSQL database, without the in-process job runner:
 * the figures are the web server's own. Builds first when the sources changed.
 */
export async function startApp(databaseUrl: string): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const started = performance.now();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.resolve('lib/cli/start.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), APP_URL: url, INTAKE_WORKERS: '0', INTAKE_LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const remember = (chunk: Buffer) => (output = `${output}${chunk.toString()}`.slice(-6000));
  child.stdout!.on('data', remember);
  child.stderr!.on('data', remember);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Should the bench itself be stopped, the server must not outlive it.
  const killNow = () => child.kill('SIGTERM');
  process.once('exit', killNow);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    process.off('exit', killNow);
  };
  try {
    await waitUntil(
      'the app answers',
      async () => {
        if (child.exitCode !== null) throw new Error(`The app exited:\n${output}`);
        // Any answer will do: without a job runner (INTAKE_WORKERS=0) health says 503.
        return (await fetch(`${url}/api/health`).catch(() => null)) !== null;
      },
      600_000,
      () => output,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, startSeconds: (performance.now() - started) / 1000, stop };
}
