import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ImapFlow, MailboxObject } from 'imapflow';
import { inboundMessages, mailboxCursors } from '@/db/schema';
import { imapCommand, openImap } from '@/lib/mail/imap/open-imap';
import { classifyMailError } from '@/lib/mail/mail-error';
import { chunkByWeight, oversizedReason, type PollContext, type PollStats, SOURCE_BATCH_BYTES } from './poll-context';
import { log } from '@/lib/log';
import { connectedCursor, endImapImport, importCancelled, renumberedCursor } from './record-existing-mail';
import { type FetchedMessage, storeInboundMessages } from './store-inbound-message';
import { uidsAddressedToAlias } from './addressed-to-alias';

/** UIDs looked at per round trip. */
const UID_BATCH = 500;

/** Applies the channel's After processing choice to messages whose request or comment is committed. */
async function applyServerActions(context: PollContext, client: ImapFlow, uidValidity: bigint): Promise<void> {
  const { db } = context.database;
  const { mailbox } = context;
  const settled = await db
    .select({ id: inboundMessages.id, uid: inboundMessages.uid })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.mailboxId, mailbox.id),
        eq(inboundMessages.folder, mailbox.folder),
        eq(inboundMessages.uidValidity, uidValidity),
        eq(inboundMessages.serverAction, 'pending'),
        inArray(inboundMessages.status, ['processed', 'ignored']),
      ),
    );
  for (let start = 0; start < settled.length; start += UID_BATCH) {
    const batch = settled.slice(start, start + UID_BATCH);
    const range = batch.map((message) => message.uid).join(',');
    if (mailbox.afterProcessing === 'mark_read') await imapCommand(client, client.messageFlagsAdd(range, ['\\Seen'], { uid: true }), 'Marking as read');
    else if (mailbox.afterProcessing === 'move')
      await imapCommand(client, client.messageMove(range, mailbox.moveToFolder ?? 'Processed', { uid: true }), 'Moving');
    else if (mailbox.afterProcessing === 'delete') await imapCommand(client, client.messageDelete(range, { uid: true }), 'Deleting');
    await db
      .update(inboundMessages)
      .set({ serverAction: 'done' })
      .where(
        inArray(
          inboundMessages.id,
          batch.map((message) => message.id),
        ),
      );
  }
}

interface Envelope {
  uid: number;
  size: number;
  internalDate: Date | null;
}

/** A group's messages as stored: the new rows' ids, with the bytes just fetched so they need not be read back. */
interface StoredGroup {
  /** Messages found on the server, stored or not (a copy stored before). */
  fetched: number;
  ids: string[];
  sources: Map<string, Buffer>;
}

/**
 * The new messages' envelopes by UID, a round trip per UID_BATCH, in groups whose sources
 * stay under SOURCE_BATCH_BYTES together (a larger message makes a group of its own).
 */
async function* envelopeGroups(context: PollContext, client: ImapFlow, uids: number[]): AsyncGenerator<Envelope[]> {
  for (let start = 0; start < uids.length; start += UID_BATCH) {
    const batch = uids.slice(start, start + UID_BATCH);
    const envelopes: Envelope[] = (
      await imapCommand(client, client.fetchAll(batch.join(','), { uid: true, size: true, internalDate: true }, { uid: true }), 'Listing messages')
    )
      .map((message) => ({ uid: message.uid, size: message.size ?? 0, internalDate: message.internalDate ? new Date(message.internalDate) : null }))
      .sort((a, b) => a.uid - b.uid);
    yield* chunkByWeight(envelopes, (envelope) => (envelope.size > context.maxMessageBytes ? 0 : envelope.size), SOURCE_BATCH_BYTES);
  }
}

/** Fetches a group's sources (only headers of a message too large to download) and stores them, before anything changes on the server. */
async function fetchAndStore(context: PollContext, client: ImapFlow, uidValidity: bigint, group: Envelope[], importUntilUid: number): Promise<StoredGroup> {
  const { mailbox } = context;
  const wanted = group.filter((envelope) => envelope.size <= context.maxMessageBytes);
  const sources = new Map<number, Buffer>();
  if (wanted.length > 0) {
    // Collected first, stored after: no other IMAP command may run inside a FETCH.
    // RFC822.SIZE is the server's word: a partial fetch one byte past the limit shows a message that is larger.
    const source = { start: 0, maxLength: context.maxMessageBytes + 1 };
    for (const message of await imapCommand(
      client,
      client.fetchAll(wanted.map((envelope) => envelope.uid).join(','), { uid: true, source }, { uid: true }),
      'Fetching messages',
    )) {
      if (message.source) sources.set(message.uid, message.source);
    }
  }
  const toStore: FetchedMessage[] = [];
  for (const envelope of group) {
    const fetchedBytes = sources.get(envelope.uid)?.length ?? 0;
    if (fetchedBytes > context.maxMessageBytes) envelope.size = Math.max(envelope.size, fetchedBytes);
    const oversized = envelope.size > context.maxMessageBytes;
    const headerFetch = oversized
      ? await imapCommand(client, client.fetchOne(String(envelope.uid), { uid: true, headers: true }, { uid: true }), 'Fetching headers')
      : false;
    const headers = headerFetch ? headerFetch.headers : undefined;
    const raw = oversized ? null : sources.get(envelope.uid);
    // A message deleted meanwhile has no source; it is simply gone.
    if (!oversized && !raw) continue;
    toStore.push({
      mailbox,
      imap: { folder: mailbox.folder, uidValidity, uid: envelope.uid },
      raw: raw ?? null,
      headers: headers ?? undefined,
      size: envelope.size,
      receivedAt: envelope.internalDate,
      imported: envelope.uid <= importUntilUid,
      rejectedBecause: oversized ? oversizedReason(envelope.size, context.maxMessageBytes) : undefined,
    });
  }
  await context.checkLease();
  const stored: StoredGroup = { fetched: toStore.length, ids: [], sources: new Map() };
  for (const [index, result] of (await storeInboundMessages(context.database.db, toStore)).entries()) {
    const { raw } = toStore[index]!;
    if (!result.id || !raw) continue;
    stored.ids.push(result.id);
    stored.sources.set(result.id, raw);
  }
  return stored;
}

type Cursor = typeof mailboxCursors.$inferSelect;

/**
 * The folder's cursor. A folder never read (its connection test did not record it) is recorded
 * now as at a connection; one renumbered (UIDVALIDITY changed) is read again, without sending.
 */
async function folderCursor(context: PollContext, folder: { uidValidity: bigint; uidNext: number; messages: number }): Promise<Cursor> {
  const { db } = context.database;
  const { mailbox } = context;
  const where = and(eq(mailboxCursors.mailboxId, mailbox.id), eq(mailboxCursors.folder, mailbox.folder));
  const [cursor] = await db.select().from(mailboxCursors).where(where);
  if (!cursor) {
    await db.insert(mailboxCursors).values(connectedCursor(mailbox, folder)).onConflictDoNothing();
  } else if (cursor.uidValidity !== folder.uidValidity) {
    log.warn('ingest.uidvalidity_changed', { mailboxId: mailbox.id, folder: mailbox.folder });
    await db
      .update(mailboxCursors)
      .set(renumberedCursor(cursor, folder.uidValidity, folder.uidNext))
      .where(where);
  } else {
    return cursor;
  }
  const [recorded] = await db.select().from(mailboxCursors).where(where);
  return recorded!;
}

/** The existing mail still to import among the UIDs above the cursor, by the import's filter; counted on its first poll. */
async function existingMailToImport(context: PollContext, client: ImapFlow, cursor: Cursor, above: number[]): Promise<{ untilUid: number; uids: number[] }> {
  const untilUid = cursor.importUntilUid!;
  const older = above.filter((uid) => uid <= untilUid);
  let uids = older;
  if (older.length > 0 && cursor.importFilter !== 'all') {
    const range = `${cursor.lastUid + 1}:${untilUid}`;
    const criteria = cursor.importFilter === 'unread' ? { uid: range, seen: false } : { uid: range, since: cursor.importSince ?? new Date(0) };
    const picked = new Set((await imapCommand(client, client.search(criteria, { uid: true }), 'Searching the existing mail')) || []);
    uids = older.filter((uid) => picked.has(uid));
  }
  if (cursor.importTotal === null) {
    await context.database.db
      .update(mailboxCursors)
      .set({ importTotal: uids.length })
      .where(and(eq(mailboxCursors.mailboxId, cursor.mailboxId), eq(mailboxCursors.folder, cursor.folder), eq(mailboxCursors.uidValidity, cursor.uidValidity)));
  }
  return { untilUid, uids };
}

/** Moves the cursor up to `uid`; never down, since a concurrent store may have moved it further. */
async function advanceCursor(db: PollContext['database']['db'], mailboxId: string, folder: string, uidValidity: bigint, uid: number): Promise<void> {
  await db
    .update(mailboxCursors)
    .set({ lastUid: sql`greatest(${mailboxCursors.lastUid}, ${uid})`, updatedAt: new Date() })
    .where(and(eq(mailboxCursors.mailboxId, mailboxId), eq(mailboxCursors.folder, folder), eq(mailboxCursors.uidValidity, uidValidity)));
}

/** Both settle before either's failure is thrown: nothing of a poll may still run once it has ended. */
async function bothSettled<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/**
 * Reads new mail by UID: everything above the highest UID stored for this UIDVALIDITY, never
 * by sequence number and never by the \Seen flag, after the existing mail the import still has
 * to file (see record-existing-mail.ts). Messages are stored before any flag, move or delete, and
 * flagged, moved or deleted only once filed. While one group is filed (the database's work)
 * the next is fetched and stored, so the mail server and the database work at the same time.
 */
export async function pollImap(context: PollContext): Promise<PollStats> {
  const { db } = context.database;
  const { mailbox, settings } = context;
  const client = await openImap(settings);
  const errorContext = { host: settings.host, port: settings.port, folder: settings.folder, usesOAuth: settings.credential.kind === 'oauth' };
  try {
    const lock = await imapCommand(client, client.getMailboxLock(mailbox.folder), 'Opening the folder').catch((error: unknown) => {
      throw classifyMailError(error, errorContext);
    });
    try {
      const opened = client.mailbox as MailboxObject;
      const uidValidity = opened.uidValidity;
      const cursor = await folderCursor(context, { uidValidity, uidNext: opened.uidNext, messages: opened.exists });
      const lastUid = cursor.lastUid;
      await applyServerActions(context, client, uidValidity);

      const found = opened.exists > 0 ? await imapCommand(client, client.search({ uid: `${lastUid + 1}:*` }, { uid: true }), 'Searching for new mail') : [];
      // `n:*` always matches the last message, even when its UID is below n.
      const above = (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
      const importing = cursor.importUntilUid === null ? null : await existingMailToImport(context, client, cursor, above);
      const unfiltered = importing ? [...importing.uids, ...above.filter((uid) => uid > importing.untilUid)] : above;
      // Mail to the mailbox's other addresses is left for their channels, untouched.
      const uids = mailbox.onlyMailToAlias ? await uidsAddressedToAlias(client, unfiltered, mailbox.emailAddress) : unfiltered;
      const groups = envelopeGroups(context, client, uids);
      let readToTheEnd = false;
      let fetched = 0;
      const nextGroup = async (): Promise<StoredGroup | null> => {
        await context.checkLease();
        // A cancelled import stops here; the new mail after it is read on the next poll.
        if (importing && (await importCancelled(db, mailbox.id, mailbox.folder, uidValidity))) return null;
        const { value: group, done } = await groups.next();
        readToTheEnd = done === true;
        if (done) return null;
        const stored = await fetchAndStore(context, client, uidValidity, group, importing?.untilUid ?? 0);
        fetched += stored.fetched;
        return stored;
      };
      for (let current = await nextGroup(); current; ) {
        const [, next] = await bothSettled(context.processStored(current.ids, current.sources), nextGroup());
        await applyServerActions(context, client, uidValidity);
        current = next;
      }
      if (importing) await endImapImport(db, mailbox.id, mailbox.folder, uidValidity, importing.untilUid);
      // What was passed over is not looked at again: the cursor moves past it once all else is stored.
      if (readToTheEnd && uids.length < unfiltered.length) await advanceCursor(db, mailbox.id, mailbox.folder, uidValidity, unfiltered.at(-1)!);
      return { fetched, waiting: 0 };
    } finally {
      lock.release();
    }
  } finally {
    await imapCommand(client, client.logout(), 'Logging out', 10_000).catch(() => client.close());
  }
}
