import { and, asc, inArray, lte, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { READ_STATUSES } from '@/lib/mailboxes/mailbox-status';
import { claimIsFree } from '@/lib/system/job-runner-status';

/** Mailboxes whose next poll is due and that no worker is polling. */
export async function dueMailboxes(db: Queryable, limit = 200): Promise<string[]> {
  const rows = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(and(inArray(mailboxes.status, READ_STATUSES), lte(mailboxes.nextPollAt, sql`now()`), claimIsFree(mailboxes.leaseOwner, mailboxes.leaseExpiresAt)))
    .orderBy(asc(mailboxes.nextPollAt))
    .limit(limit);
  return rows.map((row) => row.id);
}
