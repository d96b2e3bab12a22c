import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import type { DatabaseHandle } from '@/db/client';

/** What the figures were measured on; the load average tells whether others shared the machine. */
export async function describeMachine(database: DatabaseHandle): Promise<Record<string, unknown>> {
  const [row] = await database.query<{ server_version: string }>('show server_version');
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    postgres: row?.server_version ?? 'unknown',
    dovecot: execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim(),
    load_average_1m_at_start: Number(loadavg()[0]!.toFixed(2)),
  };
}
