import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

it('finishes stopping when Ctrl-C arrives again during the stop, as npm and tsx pass it on', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('tests/support/slow-shutdown.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, INTAKE_LOG_LEVEL: 'info' },
  });
  let output = '';
  const seen = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => output.includes(text) && resolve();
      child.stdout.on('data', check);
      check();
    });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  await seen('@@ready');
  child.kill('SIGINT');
  await seen('runtime.stopping');
  child.kill('SIGINT');
  expect(await exited, output).toEqual({ code: 0, signal: null });
  expect(output).toContain('@@stopped');
});
