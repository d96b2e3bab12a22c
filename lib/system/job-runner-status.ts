import { and, desc, eq, isNull, lt, max, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
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

export async function registerWorker(db: Queryable, worker: { id: string; hostname: string; pid: number; mode: 'in-process' | 'worker' }): Promise<void> {
  await db.insert(workers).values(worker).onConflictDoNothing();
}

export async function recordHeartbeat(db: Queryable, workerId: string): Promise<void> {
  await db.update(workers).set({ lastHeartbeatAt: new Date() }).where(eq(workers.id, workerId));
}

/** How often a runner says it is alive. */
export const ALIVE_INTERVAL_MS = 2_000;

/**
 * A runner that has not said it is alive for this long (three beats missed) is dead: another
 * worker takes over its mailboxes' claims.
 */
export const WORKER_DEAD_AFTER_SECONDS = 8;

/** A runner silent this long was killed without a clean stop; it drops off the list of workers. */
const RETIRE_AFTER_SECONDS = 15;

/** The workers alive now, to share IDLE listeners among. */
export const liveWorkers = sql`${workers.stoppedAt} is null and ${workers.aliveAt} >= now() - make_interval(secs => ${WORKER_DEAD_AFTER_SECONDS})`;

/**
 * Whether a claim (a poll or IDLE lease) may be taken: none is held, it ran out, or the worker
 * holding it is dead. Owners are a worker id, or a worker id, `/` and a poll's own suffix.
 */
export function claimIsFree(owner: AnyPgColumn, expiresAt: AnyPgColumn): SQL {
  return sql`(${owner} is null or ${expiresAt} < now() or exists (select 1 from ${workers} where ${workers.id} = split_part(${owner}, '/', 1) and not (${liveWorkers})))`;
}

/** The runner's own beat: it is alive, and runners that stopped beating are retired. */
export async function recordAlive(db: Queryable, workerId: string): Promise<void> {
  await db.update(workers).set({ aliveAt: sql`now()` }).where(eq(workers.id, workerId));
  await db
    .update(workers)
    .set({ stoppedAt: sql`now()` })
    .where(and(isNull(workers.stoppedAt), lt(workers.aliveAt, sql`now() - make_interval(secs => ${RETIRE_AFTER_SECONDS})`)));
}

export async function markWorkerStopped(db: Queryable, workerId: string): Promise<void> {
  await db.update(workers).set({ stoppedAt: new Date() }).where(eq(workers.id, workerId));
}
