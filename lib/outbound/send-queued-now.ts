import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { outboundMessages } from '@/db/schema';

/**
 * New settings or a new authorization for a mailbox deserve a new try: its queued emails stop
 * waiting out the backoff the old ones caused (up to an hour) and go out with the next dispatch.
 */
export async function sendQueuedNow(db: Queryable, mailboxId: string): Promise<void> {
  await db
    .update(outboundMessages)
    .set({ nextAttemptAt: sql`now()` })
    .where(and(eq(outboundMessages.mailboxId, mailboxId), eq(outboundMessages.status, 'queued')));
}
