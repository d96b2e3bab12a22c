import { and, asc, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';

/** Mailboxes whose next poll is due and that no worker is polling. */
export async function dueMailboxes(db: Queryable, limit = 200): Promise<string[]> {
  const rows = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(
      and(
        inArray(mailboxes.status, ['active', 'failing']),
        lte(mailboxes.nextPollAt, sql`now()`),
        or(isNull(mailboxes.leaseOwner), lt(mailboxes.leaseExpiresAt, sql`now()`)),
      ),
    )
    .orderBy(asc(mailboxes.nextPollAt))
    .limit(limit);
  return rows.map((row) => row.id);
}
