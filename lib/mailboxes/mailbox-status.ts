import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';

export type MailboxStatus = (typeof mailboxes.$inferSelect)['status'];

/**
 * The statuses of a mailbox Intake reads: polls are due by `nextPollAt` (which holds a provider's
 * pause). Only `active` and `failing` keep an IDLE connection: a paused mailbox is left alone.
 */
export const READ_STATUSES = ['active', 'failing', 'paused_by_provider'] as const satisfies readonly MailboxStatus[];
export const LISTEN_STATUSES = ['active', 'failing'] as const satisfies readonly MailboxStatus[];

export const isReadStatus = (status: MailboxStatus): boolean => (READ_STATUSES as readonly MailboxStatus[]).includes(status);
export const isListenStatus = (status: MailboxStatus): boolean => (LISTEN_STATUSES as readonly MailboxStatus[]).includes(status);

/**
 * Records a mailbox's health. `statusSince` only moves when the status changes, so
 * "Failing since 09:12" stays true across repeated failures.
 */
export async function setMailboxStatus(db: Queryable, mailboxId: string, status: MailboxStatus, message: string | null = null): Promise<void> {
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
