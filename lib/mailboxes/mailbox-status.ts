import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';

export type MailboxStatus = (typeof mailboxes.$inferSelect)['status'];

/**
 * Records a mailbox's health. `statusSince` only moves when the status changes, so
 * "Failing since 09:12" stays true across repeated failures.
 */
export async function setMailboxStatus(
  db: Queryable,
  mailboxId: string,
  status: MailboxStatus,
  message: string | null = null,
): Promise<void> {
  const now = new Date();
  await db
    .update(mailboxes)
    .set({
      status,
      statusMessage: message,
      statusSince: sql`case when ${mailboxes.status} = ${status} then ${mailboxes.statusSince} else ${now.toISOString()}::timestamptz end`,
      lastCheckAt: now,
      ...(status === 'active' ? { lastSuccessAt: now } : {}),
    })
    .where(eq(mailboxes.id, mailboxId));
}
