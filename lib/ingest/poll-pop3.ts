import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { inboundMessages } from '@/db/schema';
import { classifyMailError } from '@/lib/mail/mail-error';
import { Pop3Client, Pop3MessageTooLargeError } from '@/lib/mail/pop3/pop3-client';
import { chunkByWeight, oversizedReason, type PollContext, type PollStats, SOURCE_BATCH_BYTES } from './poll-context';
import { endPop3Import, importCancelled, POP3_CURSOR, pop3ExistingMail, recordPop3ExistingMail } from './record-existing-mail';
import { type FetchedMessage, storeInboundMessages } from './store-inbound-message';

/**
 * Deletions take effect at QUIT and are recorded after it: a worker that died in between left
 * settled messages marked as still to delete that are no longer on the server. Nothing is left
 * to do for them; without this they would stay pending forever.
 */
function nullWhenTooLarge(error: unknown): null {
  if (error instanceof Pop3MessageTooLargeError) return null;
  throw error;
}

async function recordDeletionsDoneBeforeACrash(context: PollContext, onServer: Set<string>): Promise<void> {
  const { db } = context.database;
  const waiting = await db
    .select({ id: inboundMessages.id, uidl: inboundMessages.popUidl })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.mailboxId, context.mailbox.id),
        eq(inboundMessages.serverAction, 'pending'),
        inArray(inboundMessages.status, ['processed', 'ignored']),
        isNotNull(inboundMessages.popUidl),
      ),
    );
  const gone = waiting.filter((row) => !onServer.has(row.uidl!)).map((row) => row.id);
  if (gone.length > 0) await db.update(inboundMessages).set({ serverAction: 'done' }).where(inArray(inboundMessages.id, gone));
}

/**
 * Reads a POP3 mailbox by UIDL. Deletions (when the channel deletes processed mail) are sent
 * only for messages whose request or comment is committed, and take effect only at QUIT;
 * any failure closes the connection without QUIT, so nothing is deleted.
 */
export async function pollPop3(context: PollContext): Promise<PollStats> {
  const { db } = context.database;
  const { mailbox } = context;
  const deletes = mailbox.afterProcessing === 'delete';
  const { settings } = context;
  // Classified as for IMAP: a refused OAuth login must read as `auth`, or the poll neither
  // refreshes the token once nor asks for re-authorization, and retries a dead grant for hours.
  const client = await Pop3Client.connect(settings).catch((error: unknown) => {
    throw classifyMailError(error, { host: settings.host, port: settings.port, usesOAuth: settings.credential.kind === 'oauth' });
  });
  let quitCleanly = false;
  try {
    const sizes = await client.list();
    const uidls = await client.uidl();
    const numbers = [...sizes.keys()].sort((a, b) => a - b);

    const known = new Map<string, { id: string; status: string; serverAction: string }>();
    const ids = uidls ? [...uidls.values()] : [];
    for (let start = 0; start < ids.length; start += 1000) {
      const rows = await db
        .select({ id: inboundMessages.id, uidl: inboundMessages.popUidl, status: inboundMessages.status, serverAction: inboundMessages.serverAction })
        .from(inboundMessages)
        .where(and(eq(inboundMessages.mailboxId, mailbox.id), inArray(inboundMessages.popUidl, ids.slice(start, start + 1000))));
      for (const row of rows) known.set(row.uidl!, row);
    }

    if (deletes && uidls) await recordDeletionsDoneBeforeACrash(context, new Set(uidls.values()));
    // Recorded at the connection test; a mailbox whose test did not get that far records it now.
    await recordPop3ExistingMail(db, mailbox, ids);
    const existing = await pop3ExistingMail(
      db,
      mailbox.id,
      ids.filter((uidl) => !known.has(uidl)),
    );

    const toDelete = new Map<number, string>();
    const markDeletable = (number: number, id: string, status: string) => {
      if (deletes && (status === 'processed' || status === 'ignored')) toDelete.set(number, id);
    };
    const unknown: number[] = [];
    for (const number of numbers) {
      const uidl = uidls?.get(number) ?? null;
      const seen = uidl ? known.get(uidl) : undefined;
      const importable = uidl ? existing.get(uidl) : undefined;
      // Existing mail the channel does not import is never fetched.
      if (!seen && importable !== false) unknown.push(number);
      else if (seen?.serverAction === 'pending') markDeletable(number, seen.id, seen.status);
    }
    let fetched = 0;
    const importing = [...existing.values()].some(Boolean);
    for (const group of chunkByWeight(unknown, (number) => Math.min(sizes.get(number) ?? 0, context.maxMessageBytes), SOURCE_BATCH_BYTES)) {
      await context.checkLease();
      // A cancelled import stops here: what it would still import is left alone from now on.
      if (importing && (await importCancelled(db, mailbox.id, POP3_CURSOR.folder, POP3_CURSOR.uidValidity))) break;
      const messages: FetchedMessage[] = [];
      for (const number of group) {
        const listed = sizes.get(number) ?? 0;
        // LIST sizes are the server's word: RETR stops at the limit whatever LIST claimed.
        const raw = listed > context.maxMessageBytes ? null : await client.retr(number, { maxBytes: context.maxMessageBytes }).catch(nullWhenTooLarge);
        const oversized = raw === null;
        const size = oversized ? Math.max(listed, context.maxMessageBytes + 1) : listed;
        messages.push({
          mailbox,
          popUidl: uidls?.get(number) ?? null,
          imported: existing.get(uidls?.get(number) ?? '') === true,
          raw,
          size,
          receivedAt: null,
          rejectedBecause: oversized ? oversizedReason(size, context.maxMessageBytes) : undefined,
        });
      }
      const stored = await storeInboundMessages(db, messages);
      fetched += messages.length;
      const numberOf = new Map<string, number>();
      const sources = new Map<string, Buffer>();
      for (const [index, result] of stored.entries()) {
        const number = group[index]!;
        const { raw } = messages[index]!;
        // Without UIDL, a message already filed is recognised by its content.
        if (result.duplicateOf?.serverAction === 'pending') markDeletable(number, result.duplicateOf.id, result.duplicateOf.status);
        if (!result.id || !raw) continue;
        numberOf.set(result.id, number);
        sources.set(result.id, raw);
      }
      for (const id of await context.processStored([...numberOf.keys()], sources)) markDeletable(numberOf.get(id)!, id, 'processed');
    }

    await endPop3Import(db, mailbox.id);
    for (const number of toDelete.keys()) await client.dele(number);
    await client.quit();
    quitCleanly = true;
    const done = [...toDelete.values()];
    if (done.length > 0) await db.update(inboundMessages).set({ serverAction: 'done' }).where(inArray(inboundMessages.id, done));
    if (!deletes) {
      await db
        .update(inboundMessages)
        .set({ serverAction: 'none' })
        .where(
          and(
            eq(inboundMessages.mailboxId, mailbox.id),
            eq(inboundMessages.serverAction, 'pending'),
            inArray(inboundMessages.status, ['processed', 'ignored']),
          ),
        );
    }
    return { fetched, waiting: 0 };
  } finally {
    if (!quitCleanly) client.close();
  }
}
