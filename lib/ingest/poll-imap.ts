import { and, eq, inArray } from 'drizzle-orm';
import type { ImapFlow, MailboxObject } from 'imapflow';
import { inboundMessages, mailboxCursors } from '@/db/schema';
import { imapCommand, openImap } from '@/lib/mail/imap/open-imap';
import { classifyMailError } from '@/lib/mail/mail-error';
import { chunkByWeight, type PollContext, type PollStats } from './poll-context';
import { storeInboundMessage } from './store-inbound-message';

/** UIDs looked at per round trip, and bytes of message source held in memory at once. */
const UID_BATCH = 500;
const SOURCE_BATCH_BYTES = 16 * 1024 * 1024;

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
    else if (mailbox.afterProcessing === 'move') await imapCommand(client, client.messageMove(range, mailbox.moveToFolder ?? 'Processed', { uid: true }), 'Moving');
    else if (mailbox.afterProcessing === 'delete') await imapCommand(client, client.messageDelete(range, { uid: true }), 'Deleting');
    await db.update(inboundMessages).set({ serverAction: 'done' }).where(inArray(inboundMessages.id, batch.map((message) => message.id)));
  }
}

interface Envelope {
  uid: number;
  size: number;
  internalDate: Date | null;
}

/**
 * Reads new mail by UID: everything above the highest UID stored for this UIDVALIDITY, never
 * by sequence number and never by the \Seen flag. A changed UIDVALIDITY starts over from UID 1
 * and relies on de-duplication. Messages are stored before any flag, move or delete.
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
      const [cursor] = await db.select().from(mailboxCursors).where(and(eq(mailboxCursors.mailboxId, mailbox.id), eq(mailboxCursors.folder, mailbox.folder)));
      let lastUid = cursor?.lastUid ?? 0;
      if (!cursor || cursor.uidValidity !== uidValidity) {
        lastUid = 0;
        await db
          .insert(mailboxCursors)
          .values({ mailboxId: mailbox.id, folder: mailbox.folder, uidValidity, lastUid: 0 })
          .onConflictDoUpdate({ target: [mailboxCursors.mailboxId, mailboxCursors.folder], set: { uidValidity, lastUid: 0, updatedAt: new Date() } });
      }
      await applyServerActions(context, client, uidValidity);

      const found = opened.exists > 0 ? await imapCommand(client, client.search({ uid: `${lastUid + 1}:*` }, { uid: true }), 'Searching for new mail') : [];
      // `n:*` always matches the last message, even when its UID is below n.
      const uids = (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
      let fetched = 0;
      for (let start = 0; start < uids.length; start += UID_BATCH) {
        await context.checkLease();
        const batch = uids.slice(start, start + UID_BATCH);
        const envelopes: Envelope[] = (await imapCommand(client, client.fetchAll(batch.join(','), { uid: true, size: true, internalDate: true }, { uid: true }), 'Listing messages'))
          .map((message) => ({ uid: message.uid, size: message.size ?? 0, internalDate: message.internalDate ? new Date(message.internalDate) : null }))
          .sort((a, b) => a.uid - b.uid);
        const position = (uid: number) => ({ folder: mailbox.folder, uidValidity, uid });
        const storedIds: string[] = [];
        for (const group of chunkByWeight(envelopes, (envelope) => (envelope.size > context.maxMessageBytes ? 0 : envelope.size), SOURCE_BATCH_BYTES)) {
          const wanted = group.filter((envelope) => envelope.size <= context.maxMessageBytes);
          const sources = new Map<number, Buffer>();
          if (wanted.length > 0) {
            // Collected first, stored after: no other IMAP command may run inside a FETCH.
            for (const message of await imapCommand(client, client.fetchAll(wanted.map((envelope) => envelope.uid).join(','), { uid: true, source: true }, { uid: true }), 'Fetching messages')) {
              if (message.source) sources.set(message.uid, message.source);
            }
          }
          for (const envelope of group) {
            await context.checkLease();
            const oversized = envelope.size > context.maxMessageBytes;
            const headerFetch = oversized ? await imapCommand(client, client.fetchOne(String(envelope.uid), { uid: true, headers: true }, { uid: true }), 'Fetching headers') : false;
            const headers = headerFetch ? headerFetch.headers : undefined;
            const raw = oversized ? null : sources.get(envelope.uid);
            // A message deleted meanwhile has no source; it is simply gone.
            if (!oversized && !raw) continue;
            const stored = await storeInboundMessage(db, {
              mailbox,
              imap: position(envelope.uid),
              raw: raw ?? null,
              headers: headers ?? undefined,
              size: envelope.size,
              receivedAt: envelope.internalDate,
              rejectedBecause: oversized ? `larger than ${Math.round(context.maxMessageBytes / 1024 / 1024)} MB (${Math.round(envelope.size / 1024 / 1024)} MB); not downloaded` : undefined,
            });
            fetched++;
            if (stored.id && !oversized) storedIds.push(stored.id);
          }
        }
        await context.processStored(storedIds);
        await applyServerActions(context, client, uidValidity);
      }
      return { fetched, waiting: 0 };
    } finally {
      lock.release();
    }
  } finally {
    await imapCommand(client, client.logout(), 'Logging out', 10_000).catch(() => client.close());
  }
}
