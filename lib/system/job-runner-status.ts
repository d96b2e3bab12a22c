import { and, desc, eq, isNull, lt, max, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { workers } from '@/db/schema';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';

/** A runner whose heartbeat is older than this is reported as not responding. */
export const HEARTBEAT_STALE_SECONDS = 60;

export async function lastHeartbeatAt(db: Queryable): Promise<Date | null> {
  const [row] = await db.select({ at: max(workers.lastHeartbeatAt) }).from(workers);
  return row?.at ?? null;
}

export async function getJobRunnerStatus({ db, actor, now = new Date() }: { db: Queryable; actor: Actor | null; now?: Date }) {
  requireSystemAdmin(actor);
  const rows = await db.select().from(workers).where(isNull(workers.stoppedAt)).orderBy(desc(workers.startedAt));
  const ageOf = (at: Date | null) => (at ? Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000)) : null);
  const last = await lastHeartbeatAt(db);
  return {
    lastHeartbeatSecondsAgo: ageOf(last),
    workers: rows.map((row) => {
      const age = ageOf(row.lastHeartbeatAt);
      return { ...row, heartbeatSecondsAgo: age, responding: age !== null && age <= HEARTBEAT_STALE_SECONDS };
    }),
  };
}

export async function registerWorker(
  db: Queryable,
  worker: { id: string; hostname: string; pid: number; mode: 'in-process' | 'worker' },
): Promise<void> {
  await db.insert(workers).values(worker).onConflictDoNothing();
}

export async function recordHeartbeat(db: Queryable, workerId: string): Promise<void> {
  await db.update(workers).set({ lastHeartbeatAt: new Date() }).where(eq(workers.id, workerId));
}

/** A runner silent this long was killed without a clean stop; it no longer counts as a worker. */
const RETIRE_AFTER_MINUTES = 10;

export async function retireSilentWorkers(db: Queryable): Promise<void> {
  await db
    .update(workers)
    .set({ stoppedAt: new Date() })
    .where(and(isNull(workers.stoppedAt), lt(workers.lastHeartbeatAt, sql`now() - ${sql.raw(`interval '${RETIRE_AFTER_MINUTES} minutes'`)}`)));
}

export async function markWorkerStopped(db: Queryable, workerId: string): Promise<void> {
  await db.update(workers).set({ stoppedAt: new Date() }).where(eq(workers.id, workerId));
}
