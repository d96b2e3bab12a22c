import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxCursors, type mailboxes, mailboxExistingUidls } from '@/db/schema';
import type { ExistingMailSnapshot } from '@/lib/mail/test-mail-connection';

type Mailbox = Pick<typeof mailboxes.$inferSelect, 'id' | 'protocol' | 'folder' | 'existingMail' | 'existingMailSince'>;

/** POP3 has no UIDVALIDITY: its one cursor row holds only the import's progress. */
export const POP3_CURSOR = { folder: 'INBOX', uidValidity: 0n } as const;

/** Rows per INSERT of a POP3 mailbox's existing UIDLs. */
const UIDL_CHUNK = 1000;

/**
 * The cursor of an IMAP folder connected when its next UID was `uidNext`: everything below is
 * the existing mail, skipped (`new_only`) or imported by the channel's filter.
 */
export function connectedCursor(mailbox: Mailbox, folder: { uidValidity: bigint; uidNext: number; messages: number }, now = new Date()) {
  const { uidValidity, uidNext, messages } = folder;
  const lastExisting = Math.max(0, uidNext - 1);
  const base = { mailboxId: mailbox.id, folder: mailbox.folder, uidValidity, existingMessages: messages };
  if (mailbox.existingMail === 'new_only' || lastExisting === 0) return { ...base, lastUid: lastExisting };
  return {
    ...base,
    lastUid: 0,
    importUntilUid: lastExisting,
    importFilter: mailbox.existingMail,
    importSince: mailbox.existingMail === 'since' ? mailbox.existingMailSince : null,
    importStartedAt: now,
  };
}

/**
 * A folder whose UIDVALIDITY changed was renumbered: its messages may all be ones filed before.
 * They are read again from a day before the last poll and imported — de-duplication keeps what
 * was filed from being filed twice, and being imported, nothing is sent about any of them.
 */
export function renumberedCursor(previous: { updatedAt: Date }, uidValidity: bigint, uidNext: number, now = new Date()) {
  return {
    uidValidity,
    lastUid: 0,
    importUntilUid: Math.max(0, uidNext - 1),
    importFilter: 'since' as const,
    importSince: new Date(previous.updatedAt.getTime() - 24 * 3_600_000),
    importTotal: null,
    importStartedAt: now,
    importEndedAt: null,
    importCancelled: false,
    updatedAt: now,
  };
}

/**
 * Records, in the transaction that connects a mailbox, what it held at the connection test:
 * mail that arrives after is new mail; mail from before is decided by the Existing mail choice.
 * Only the first time for a folder — re-saving a mailbox never re-decides its mail. Without a
 * snapshot (the test did not get that far) the first poll records what it finds instead.
 */
export async function recordExistingMail(tx: Queryable, mailbox: Mailbox, snapshot: ExistingMailSnapshot | undefined): Promise<void> {
  if (!snapshot || snapshot.protocol !== mailbox.protocol) return;
  if (snapshot.protocol === 'imap') {
    if (snapshot.folder !== mailbox.folder) return;
    await tx.insert(mailboxCursors).values(connectedCursor(mailbox, snapshot)).onConflictDoNothing();
    return;
  }
  await recordPop3ExistingMail(tx, mailbox, snapshot.uidls);
}

/** The POP3 form of recordExistingMail; also the first poll's, when no test recorded it. */
export async function recordPop3ExistingMail(tx: Queryable, mailbox: Mailbox, uidls: string[]): Promise<void> {
  const importing = mailbox.existingMail !== 'new_only' && uidls.length > 0;
  const [created] = await tx
    .insert(mailboxCursors)
    .values({
      mailboxId: mailbox.id,
      ...POP3_CURSOR,
      lastUid: 0,
      existingMessages: uidls.length,
      ...(importing ? { importTotal: uidls.length, importStartedAt: new Date() } : {}),
    })
    .onConflictDoNothing()
    .returning({ mailboxId: mailboxCursors.mailboxId });
  if (!created) return;
  for (let start = 0; start < uidls.length; start += UIDL_CHUNK) {
    await tx
      .insert(mailboxExistingUidls)
      .values(uidls.slice(start, start + UIDL_CHUNK).map((uidl) => ({ mailboxId: mailbox.id, uidl, import: importing })))
      .onConflictDoNothing();
  }
}

/** The existing POP3 messages among `uidls`: true for those to import, false for those never filed. */
export async function pop3ExistingMail(db: Queryable, mailboxId: string, uidls: string[]): Promise<Map<string, boolean>> {
  const existing = new Map<string, boolean>();
  for (let start = 0; start < uidls.length; start += UIDL_CHUNK) {
    const rows = await db
      .select({ uidl: mailboxExistingUidls.uidl, import: mailboxExistingUidls.import })
      .from(mailboxExistingUidls)
      .where(and(eq(mailboxExistingUidls.mailboxId, mailboxId), inArray(mailboxExistingUidls.uidl, uidls.slice(start, start + UIDL_CHUNK))));
    for (const row of rows) existing.set(row.uidl, row.import);
  }
  return existing;
}

/** Ends an IMAP folder's import once its messages are all stored: reading goes on above them. */
export async function endImapImport(db: Queryable, mailboxId: string, folder: string, uidValidity: bigint, untilUid: number): Promise<void> {
  await db
    .update(mailboxCursors)
    .set({ lastUid: sql`greatest(${mailboxCursors.lastUid}, ${untilUid})`, importUntilUid: null, importEndedAt: new Date() })
    .where(
      and(
        eq(mailboxCursors.mailboxId, mailboxId),
        eq(mailboxCursors.folder, folder),
        eq(mailboxCursors.uidValidity, uidValidity),
        eq(mailboxCursors.importUntilUid, untilUid),
      ),
    );
}

/** Ends a POP3 mailbox's import once a poll has stored every message it imports. */
export async function endPop3Import(db: Queryable, mailboxId: string): Promise<void> {
  await db
    .update(mailboxCursors)
    .set({ importEndedAt: new Date() })
    .where(
      and(
        eq(mailboxCursors.mailboxId, mailboxId),
        eq(mailboxCursors.uidValidity, POP3_CURSOR.uidValidity),
        isNotNull(mailboxCursors.importStartedAt),
        isNull(mailboxCursors.importEndedAt),
      ),
    );
}

/** Whether the import of this folder was cancelled (or the folder's cursor is gone): a running poll stops importing. */
export async function importCancelled(db: Queryable, mailboxId: string, folder: string, uidValidity: bigint): Promise<boolean> {
  const [cursor] = await db
    .select({ cancelled: mailboxCursors.importCancelled })
    .from(mailboxCursors)
    .where(and(eq(mailboxCursors.mailboxId, mailboxId), eq(mailboxCursors.folder, folder), eq(mailboxCursors.uidValidity, uidValidity)));
  return cursor?.cancelled ?? true;
}
