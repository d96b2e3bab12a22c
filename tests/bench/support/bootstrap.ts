import { spawn } from 'node:child_process';
import { ensureTestCa } from '../../harness';

/** The server PostgreSQL the bench creates its databases on (each dropped afterwards). */
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Node reads NODE_EXTRA_CA_CERTS only when it starts, and this process talks TLS to the
 * harness (OAuth provider, Dovecot): unless it names the test CA, run this same script again
 * with it set (a system bundle it may name already is in Node's own roots). Returns false in
 * the process that only waits for that child.
 */
export async function trustHarnessCa(): Promise<boolean> {
  const caFile = await ensureTestCa();
  if (process.env.NODE_EXTRA_CA_CERTS === caFile) return true;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return false;
}

/**
 * What lib/env.ts needs for in-process lib calls, and what the spawned workers inherit:
 * fixed secrets (never generated into the working tree) and databases on the server
 * PostgreSQL, through the variable tests/support/test-database.ts reads.
 */
export function configureBenchEnv(): void {
  const defaults: Record<string, string> = {
    APP_URL: 'http://localhost:3998',
    AUTH_SECRET: 'bench-auth-secret-0123456789abcdefghijklmnop',
    INTAKE_SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmnopq',
    INTAKE_DATA_DIR: 'tests/.tmp/bench-data',
    INTAKE_LOG_LEVEL: 'warn',
    MAIL_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,127.0.0.2',
    TEST_DATABASE_URL: process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL,
  };
  for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;
}
