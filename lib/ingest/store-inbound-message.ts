import { createHash } from 'node:crypto';
import { and, eq, or, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { inboundMessages, mailboxCursors } from '@/db/schema';
import { normalizeMessageId } from '@/lib/email/message-id';
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

export async function storeInboundMessage(db: Database, message: FetchedMessage): Promise<StoreResult> {
  const bytes = message.raw ?? message.headers ?? Buffer.alloc(0);
  const fields = readHeaderFields(bytes, ['Message-ID', 'From', 'Subject']);
  const rejected = message.rejectedBecause;
  const messageId = fields['Message-ID'] ? normalizeMessageId(fields['Message-ID']) : null;
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  const stored = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(inboundMessages)
      .values({
        mailboxId: message.mailbox.id,
        projectId: message.mailbox.projectId,
        folder: message.imap?.folder ?? null,
        uidValidity: message.imap?.uidValidity ?? null,
        uid: message.imap?.uid ?? null,
        popUidl: message.popUidl ?? null,
        messageId,
        contentHash,
        size: message.size,
        raw: message.raw,
        fromAddress: fields.From?.slice(0, 300) ?? null,
        subject: fields.Subject?.slice(0, 300) ?? null,
        receivedAt: message.receivedAt,
        ...(rejected ? { status: 'rejected' as const, outcome: `Rejected: ${rejected}`, serverAction: 'none' as const, processedAt: new Date() } : {}),
      })
      .onConflictDoNothing()
      .returning({ id: inboundMessages.id });
    if (message.imap) {
      await tx
        .insert(mailboxCursors)
        .values({ mailboxId: message.mailbox.id, folder: message.imap.folder, uidValidity: message.imap.uidValidity, lastUid: message.imap.uid })
        .onConflictDoUpdate({
          target: [mailboxCursors.mailboxId, mailboxCursors.folder],
          set: { lastUid: sql`greatest(${mailboxCursors.lastUid}, ${message.imap.uid})`, updatedAt: new Date() },
          setWhere: sql`${mailboxCursors.uidValidity} = ${message.imap.uidValidity}`,
        });
    }
    return row?.id ?? null;
  });
  if (stored) return { id: stored, duplicateOf: null };
  const [earlier] = await db
    .select({ id: inboundMessages.id, status: inboundMessages.status, serverAction: inboundMessages.serverAction })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.mailboxId, message.mailbox.id),
        or(
          message.popUidl ? eq(inboundMessages.popUidl, message.popUidl) : undefined,
          message.imap ? and(eq(inboundMessages.folder, message.imap.folder), eq(inboundMessages.uidValidity, message.imap.uidValidity), eq(inboundMessages.uid, message.imap.uid)) : undefined,
          and(sql`coalesce(${inboundMessages.messageId}, '') = ${messageId ?? ''}`, eq(inboundMessages.contentHash, contentHash)),
        ),
      ),
    )
    .limit(1);
  return { id: null, duplicateOf: earlier ?? null };
}
