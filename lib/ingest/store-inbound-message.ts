import { createHash, randomUUID } from 'node:crypto';
import { and, eq, or, sql } from 'drizzle-orm';
import { decodeWords } from 'postal-mime';
import type { Database, Transaction } from '@/db/client';
import { inboundMessages, mailboxCursors } from '@/db/schema';
import { normalizeMessageId } from '@/lib/email/message-id';
import { stripBidiControls, toSingleLine, truncate } from '@/lib/email/unsafe-characters';
import { describeInboundOutcome } from './inbound-outcome';
import { chunkByWeight } from './poll-context';
import { readHeaderFields } from './read-header-fields';

export interface FetchedMessage {
  mailbox: { id: string; projectId: string };
  /** IMAP position; the cursor moves past it in the same transaction as the store. */
  imap?: { folder: string; uidValidity: bigint; uid: number };
  popUidl?: string | null;
  /** Null for a message too large to download; then `headers` holds its header block. */
  raw: Buffer | null;
  headers?: Buffer;
  size: number;
  receivedAt: Date | null;
  /** Part of the mail the mailbox held when it was connected. */
  imported?: boolean;
  /** Set for a message that is refused before processing (too large). */
  rejectedBecause?: string;
}

/**
 * Stores a fetched message, raw bytes included, before anything on the mail server changes.
 * A message stored before — same UID, same UIDL, or same Message-ID and content — is not
 * stored again: that is the exactly-once guarantee across crashes, retries, UIDVALIDITY
 * resets, re-numbered UIDs and racing workers.
 */
export interface StoreResult {
  /** The new row, or null when the message was stored before. */
  id: string | null;
  /** The earlier copy, when this one is a duplicate. */
  duplicateOf: { id: string; status: string; serverAction: string } | null;
}

/** Bytes of message source per INSERT: a few statements of this size beat one huge one, which the driver and the server both copy more. */
const STATEMENT_BYTES = 2 * 1024 * 1024;
/**
 * A larger source is written a piece at a time, appended in the same transaction: the driver
 * sends bytea as hex text and holds several copies of a statement at once, so a 25 MB message
 * in one statement would cost the worker some 150 MB.
 */
const SOURCE_PIECE_BYTES = 4 * 1024 * 1024;

/**
 * A header as the email log shows it, taken before (and whether or not) the message parses:
 * encoded words decoded, one bounded line. A NUL from a Mailsploit-style From would make
 * PostgreSQL refuse the row, and the mailbox would jam on that message.
 */
function logLine(value: string | null | undefined): string | null {
  if (!value) return null;
  let decoded = value;
  try {
    decoded = decodeWords(value);
  } catch {
    // An encoded word in a charset nobody knows is shown as it came.
  }
  return truncate(stripBidiControls(toSingleLine(decoded)), 300) || null;
}

function rowOf(message: FetchedMessage, position: number) {
  const bytes = message.raw ?? message.headers ?? Buffer.alloc(0);
  const fields = readHeaderFields(bytes, ['Message-ID', 'From', 'Subject']);
  const rejected = message.rejectedBecause;
  return {
    // Chosen here so that a row that went in is recognised by its id among those RETURNING gives back.
    id: randomUUID(),
    mailboxId: message.mailbox.id,
    projectId: message.mailbox.projectId,
    folder: message.imap?.folder ?? null,
    uidValidity: message.imap?.uidValidity ?? null,
    uid: message.imap?.uid ?? null,
    popUidl: message.popUidl ?? null,
    messageId: fields['Message-ID'] ? normalizeMessageId(fields['Message-ID']) : null,
    contentHash: createHash('sha256').update(bytes).digest('hex'),
    size: message.size,
    raw: message.raw,
    fromAddress: logLine(fields.From),
    subject: logLine(fields.Subject),
    receivedAt: message.receivedAt,
    imported: message.imported ?? false,
    // Rows of one batch share the transaction's now(): a microsecond apart, they keep their
    // order wherever messages are listed or retried oldest first.
    fetchedAt: sql`now() + ${position} * interval '1 microsecond'`,
    ...(rejected
      ? {
          status: 'rejected' as const,
          outcome: describeInboundOutcome({ kind: 'rejected', reason: rejected }),
          serverAction: 'none' as const,
          processedAt: new Date(),
        }
      : {}),
  };
}

type InboundRow = ReturnType<typeof rowOf>;

/** Moves each IMAP folder's cursor past the highest UID of the batch, unless its UIDVALIDITY changed meanwhile. */
async function advanceCursors(tx: Transaction, messages: FetchedMessage[]): Promise<void> {
  const highest = new Map<string, { mailboxId: string; folder: string; uidValidity: bigint; lastUid: number }>();
  for (const { mailbox, imap } of messages) {
    if (!imap) continue;
    const key = `${mailbox.id}\0${imap.folder}\0${imap.uidValidity}`;
    const known = highest.get(key);
    if (!known || known.lastUid < imap.uid) highest.set(key, { mailboxId: mailbox.id, ...imap, lastUid: imap.uid });
  }
  for (const cursor of highest.values()) {
    await tx
      .insert(mailboxCursors)
      .values(cursor)
      .onConflictDoUpdate({
        target: [mailboxCursors.mailboxId, mailboxCursors.folder],
        set: { lastUid: sql`greatest(${mailboxCursors.lastUid}, ${cursor.lastUid})`, updatedAt: new Date() },
        setWhere: sql`${mailboxCursors.uidValidity} = ${cursor.uidValidity}`,
      });
  }
}

const firstPiece = (row: InboundRow): InboundRow =>
  row.raw && row.raw.length > SOURCE_PIECE_BYTES ? { ...row, raw: row.raw.subarray(0, SOURCE_PIECE_BYTES) } : row;

async function appendRestOfSource(tx: Transaction, id: string, raw: Buffer): Promise<void> {
  for (let offset = SOURCE_PIECE_BYTES; offset < raw.length; offset += SOURCE_PIECE_BYTES) {
    await tx
      .update(inboundMessages)
      .set({ raw: sql`${inboundMessages.raw} || ${raw.subarray(offset, offset + SOURCE_PIECE_BYTES)}` })
      .where(eq(inboundMessages.id, id));
  }
}

async function earlierCopy(db: Database, message: FetchedMessage, row: InboundRow): Promise<StoreResult['duplicateOf']> {
  const [earlier] = await db
    .select({ id: inboundMessages.id, status: inboundMessages.status, serverAction: inboundMessages.serverAction })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.mailboxId, message.mailbox.id),
        or(
          message.popUidl ? eq(inboundMessages.popUidl, message.popUidl) : undefined,
          message.imap
            ? and(
                eq(inboundMessages.folder, message.imap.folder),
                eq(inboundMessages.uidValidity, message.imap.uidValidity),
                eq(inboundMessages.uid, message.imap.uid),
              )
            : undefined,
          and(sql`coalesce(${inboundMessages.messageId}, '') = ${row.messageId ?? ''}`, eq(inboundMessages.contentHash, row.contentHash)),
        ),
      ),
    )
    .limit(1);
  return earlier ?? null;
}

/**
 * Stores fetched messages, in order, in one transaction: one commit for a whole batch instead
 * of one a message. The unique keys still decide each message on its own, within the batch too.
 */
export async function storeInboundMessages(db: Database, messages: FetchedMessage[]): Promise<StoreResult[]> {
  if (messages.length === 0) return [];
  const rows = messages.map((message, position) => rowOf(message, position));
  const inserted = await db.transaction(async (tx) => {
    const ids = new Set<string>();
    for (const chunk of chunkByWeight(rows, (row) => row.raw?.length ?? 0, STATEMENT_BYTES)) {
      const returned = await tx.insert(inboundMessages).values(chunk.map(firstPiece)).onConflictDoNothing().returning({ id: inboundMessages.id });
      for (const { id } of returned) ids.add(id);
    }
    for (const row of rows) if (row.raw && row.raw.length > SOURCE_PIECE_BYTES && ids.has(row.id)) await appendRestOfSource(tx, row.id, row.raw);
    await advanceCursors(tx, messages);
    return ids;
  });
  const results: StoreResult[] = [];
  for (const [index, row] of rows.entries()) {
    results.push(inserted.has(row.id) ? { id: row.id, duplicateOf: null } : { id: null, duplicateOf: await earlierCopy(db, messages[index]!, row) });
  }
  return results;
}

export async function storeInboundMessage(db: Database, message: FetchedMessage): Promise<StoreResult> {
  const [result] = await storeInboundMessages(db, [message]);
  return result!;
}
