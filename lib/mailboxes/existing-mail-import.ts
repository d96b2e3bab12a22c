import { and, count, desc, eq, gte, isNotNull, ne, sql } from 'drizzle-orm';
import type { DatabaseHandle, Queryable } from '@/db/client';
import { inboundMessages, mailboxCursors, mailboxExistingUidls } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { POP3_CURSOR } from '@/lib/ingest/record-existing-mail';
import { loadMailboxForAdmin, type MailboxRow } from './mailbox-access';

/** What the mailbox held when it was connected, and the import of it if the channel imports any. */
export interface ExistingMail {
  /** Null for a mailbox connected before this was recorded. */
  messages: number | null;
  import: ExistingMailImport | null;
}

export interface ExistingMailImport {
  /** Messages the import files; null until its first poll has counted them. */
  total: number | null;
  /** Imported messages settled so far. */
  done: number;
  startedAt: Date;
  endedAt: Date | null;
  cancelled: boolean;
}

const cursorOf = (mailbox: Pick<MailboxRow, 'id' | 'protocol' | 'folder'>) =>
  and(eq(mailboxCursors.mailboxId, mailbox.id), eq(mailboxCursors.folder, mailbox.protocol === 'pop3' ? POP3_CURSOR.folder : mailbox.folder));

/** Null until the mailbox's folder is connected (its cursor written). */
export async function readExistingMail(db: Queryable, mailbox: Pick<MailboxRow, 'id' | 'protocol' | 'folder'>): Promise<ExistingMail | null> {
  const [cursor] = await db
    .select({
      messages: mailboxCursors.existingMessages,
      total: mailboxCursors.importTotal,
      startedAt: mailboxCursors.importStartedAt,
      endedAt: mailboxCursors.importEndedAt,
      cancelled: mailboxCursors.importCancelled,
    })
    .from(mailboxCursors)
    .where(cursorOf(mailbox))
    .orderBy(desc(mailboxCursors.updatedAt))
    .limit(1);
  if (!cursor) return null;
  const { startedAt } = cursor;
  if (!startedAt) return { messages: cursor.messages, import: null };
  const [settled] = await db
    .select({ done: count() })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.mailboxId, mailbox.id),
        eq(inboundMessages.imported, true),
        ne(inboundMessages.status, 'pending'),
        gte(inboundMessages.fetchedAt, startedAt),
      ),
    );
  return {
    messages: cursor.messages,
    import: { total: cursor.total, done: Number(settled?.done ?? 0), startedAt, endedAt: cursor.endedAt, cancelled: cursor.cancelled },
  };
}

/**
 * Stops importing the mailbox's existing mail: what is filed stays, the rest is left on the
 * server and never filed; new mail goes on as before. A running poll stops at its next group.
 */
export async function cancelExistingMailImport({
  database,
  actor,
  mailboxId,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  mailboxId: string;
}): Promise<void> {
  const mailbox = await loadMailboxForAdmin(database.db, actor, mailboxId);
  const cancelled = await database.db.transaction(async (tx) => {
    const ended = await tx
      .update(mailboxCursors)
      .set({
        importCancelled: true,
        importEndedAt: new Date(),
        lastUid: sql`greatest(${mailboxCursors.lastUid}, coalesce(${mailboxCursors.importUntilUid}, 0))`,
        importUntilUid: null,
      })
      .where(and(cursorOf(mailbox), isNotNull(mailboxCursors.importStartedAt), sql`${mailboxCursors.importEndedAt} is null`))
      .returning({ folder: mailboxCursors.folder });
    if (ended.length > 0 && mailbox.protocol === 'pop3')
      await tx.update(mailboxExistingUidls).set({ import: false }).where(eq(mailboxExistingUidls.mailboxId, mailbox.id));
    return ended.length > 0;
  });
  if (!cancelled) throw new ValidationError({}, 'There is no import running to cancel.');
  await recordAudit(database.db, {
    actor,
    action: 'mailbox.import_cancel',
    targetType: mailbox.kind === 'channel' ? 'email_channel' : 'mail_server',
    targetId: mailbox.id,
    details: { emailAddress: mailbox.emailAddress },
  });
}
