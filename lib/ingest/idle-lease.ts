import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes, workers } from '@/db/schema';
import { LISTEN_STATUSES } from '@/lib/mailboxes/mailbox-status';
import { claimIsFree, liveWorkers } from '@/lib/system/job-runner-status';

/** An IDLE listener's claim on a mailbox lapses this long after its last renewal. */
export const IDLE_LEASE_MS = 90_000;

const listenable = and(eq(mailboxes.protocol, 'imap'), inArray(mailboxes.status, LISTEN_STATUSES));
const leaseUntil = sql`now() + ${`${IDLE_LEASE_MS} milliseconds`}::interval`;

/**
 * The IMAP mailboxes this worker should hold IDLE connections for: the ones it holds
 * (renewed), plus unclaimed ones up to its fair share, so listeners spread over the workers.
 */
export async function claimIdleMailboxes(db: Queryable, owner: string): Promise<string[]> {
  const renewed = await db
    .update(mailboxes)
    .set({ idleLeaseExpiresAt: leaseUntil })
    .where(and(eq(mailboxes.idleOwner, owner), listenable))
    .returning({ id: mailboxes.id });
  const [listenableCount] = await db.select({ total: count() }).from(mailboxes).where(listenable);
  const [workerCount] = await db.select({ total: count() }).from(workers).where(liveWorkers);
  const share = Math.ceil(Number(listenableCount?.total ?? 0) / Math.max(1, Number(workerCount?.total ?? 1)));
  const room = share - renewed.length;
  if (room <= 0) return renewed.map((row) => row.id);
  const free = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(and(listenable, claimIsFree(mailboxes.idleOwner, mailboxes.idleLeaseExpiresAt)))
    .limit(room);
  const claimed: string[] = [];
  for (const { id } of free) {
    const [row] = await db
      .update(mailboxes)
      .set({ idleOwner: owner, idleLeaseExpiresAt: leaseUntil })
      .where(and(eq(mailboxes.id, id), claimIsFree(mailboxes.idleOwner, mailboxes.idleLeaseExpiresAt)))
      .returning({ id: mailboxes.id });
    if (row) claimed.push(row.id);
  }
  return [...renewed.map((row) => row.id), ...claimed];
}

export async function releaseIdleMailboxes(db: Queryable, owner: string): Promise<void> {
  await db.update(mailboxes).set({ idleOwner: null, idleLeaseExpiresAt: null }).where(eq(mailboxes.idleOwner, owner));
}

/**
 * Asks for a poll as soon as possible (used when a listener saw new mail while a poll was running
 * elsewhere), unless the provider paused the mailbox: its pause is its next poll time.
 */
export async function pollSoon(db: Queryable, mailboxId: string): Promise<void> {
  await db
    .update(mailboxes)
    .set({ nextPollAt: sql`now()` })
    .where(and(eq(mailboxes.id, mailboxId), inArray(mailboxes.status, LISTEN_STATUSES)));
}
