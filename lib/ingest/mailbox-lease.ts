import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';

/** How long a poll may run before another worker may take the mailbox over (renewed while working). */
export const POLL_LEASE_MS = 2 * 60_000;

/**
 * Claims a mailbox for one poll. Only one worker holds it at a time, whatever pg-boss does;
 * a worker that dies simply lets the lease run out.
 */
export async function acquireMailboxLease(db: Queryable, mailboxId: string, owner: string): Promise<boolean> {
  const [claimed] = await db
    .update(mailboxes)
    .set({ leaseOwner: owner, leaseExpiresAt: sql`now() + ${`${POLL_LEASE_MS} milliseconds`}::interval` })
    .where(and(eq(mailboxes.id, mailboxId), or(isNull(mailboxes.leaseOwner), lt(mailboxes.leaseExpiresAt, sql`now()`), eq(mailboxes.leaseOwner, owner))))
    .returning({ id: mailboxes.id });
  return claimed !== undefined;
}

/** Extends the lease during a long poll; false when it was lost (the poll must stop). */
export async function renewMailboxLease(db: Queryable, mailboxId: string, owner: string): Promise<boolean> {
  const [renewed] = await db
    .update(mailboxes)
    .set({ leaseExpiresAt: sql`now() + ${`${POLL_LEASE_MS} milliseconds`}::interval` })
    .where(and(eq(mailboxes.id, mailboxId), eq(mailboxes.leaseOwner, owner)))
    .returning({ id: mailboxes.id });
  return renewed !== undefined;
}

export async function releaseMailboxLease(db: Queryable, mailboxId: string, owner: string): Promise<void> {
  await db
    .update(mailboxes)
    .set({ leaseOwner: null, leaseExpiresAt: null })
    .where(and(eq(mailboxes.id, mailboxId), eq(mailboxes.leaseOwner, owner)));
}
