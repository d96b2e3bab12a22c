import type { DatabaseHandle } from '@/db/client';
import { readMigrationStatus } from '@/db/migrate';
import { checkDatabase } from './check-database';
import { HEARTBEAT_STALE_SECONDS, lastHeartbeatAt } from './job-runner-status';

export interface Health {
  status: 'ok' | 'unhealthy';
  database: { kind: 'pglite' | 'postgres'; reachable: boolean };
  migrations: { applied: number; expected: number; upToDate: boolean };
  jobRunner: { lastHeartbeatAt: string | null; secondsAgo: number | null; healthy: boolean };
  problems: string[];
}

/** Public health report: says what is wrong without naming hosts, users or secrets. */
export async function getHealth(handle: DatabaseHandle, now = new Date()): Promise<Health> {
  const problems: string[] = [];
  let reachable = true;
  let migrations = { applied: 0, expected: 0 };
  let heartbeat: Date | null = null;
  // Checked first and with a timeout: the probe must answer 503 at once, not hang with the database.
  try {
    reachable = (await checkDatabase(handle)).reachable;
    if (reachable) {
      migrations = await readMigrationStatus(handle);
      heartbeat = await lastHeartbeatAt(handle.db);
    }
  } catch {
    reachable = false;
  }
  if (!reachable) problems.push('The database cannot be reached.');
  const upToDate = reachable && migrations.applied >= migrations.expected;
  if (reachable && !upToDate) problems.push('Database migrations are not applied.');
  const secondsAgo = heartbeat ? Math.max(0, Math.round((now.getTime() - heartbeat.getTime()) / 1000)) : null;
  const runnerHealthy = secondsAgo !== null && secondsAgo <= HEARTBEAT_STALE_SECONDS;
  if (reachable && !runnerHealthy) problems.push('The job runner has not reported a heartbeat recently.');
  return {
    status: problems.length === 0 ? 'ok' : 'unhealthy',
    database: { kind: handle.kind, reachable },
    migrations: { ...migrations, upToDate },
    jobRunner: { lastHeartbeatAt: heartbeat?.toISOString() ?? null, secondsAgo, healthy: runnerHealthy },
    problems,
  };
}
