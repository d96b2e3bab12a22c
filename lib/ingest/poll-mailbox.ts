import { and, count, eq, inArray } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { inboundMessages, mailboxes } from '@/db/schema';
import { log } from '@/lib/log';
import { MailConnectionError } from '@/lib/mail/mail-error';
import type { MailboxRow } from '@/lib/mailboxes/mailbox-access';
import { getMailboxAccessToken } from '@/lib/mailboxes/mailbox-access-token';
import { storedMailServerSettings } from '@/lib/mailboxes/mailbox-connection';
import { setMailboxStatus } from '@/lib/mailboxes/mailbox-status';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import { acquireMailboxLease, releaseMailboxLease, renewMailboxLease } from './mailbox-lease';
import type { PollContext, PollStats } from './poll-context';
import { pollImap } from './poll-imap';
import { pollPop3 } from './poll-pop3';
import { dueInboundMessages, processInboundMessage } from './process-inbound-message';

/** Longest wait between attempts on a failing mailbox. */
const MAX_BACKOFF_SECONDS = 3600;

class LeaseLostError extends Error {}

export interface PollOptions {
  database: DatabaseHandle;
  mailboxId: string;
  workerId: string;
  pollIntervalSeconds: number;
  maxMessageBytes: number;
}

export type PollOutcome = { polled: false; reason: string } | { polled: true; stats: PollStats } | { polled: true; error: string };

async function processAll(database: DatabaseHandle, ids: string[]): Promise<string[]> {
  const settled: string[] = [];
  for (const id of ids) {
    const outcome = await processInboundMessage(database.db, id);
    if (outcome && (outcome.status === 'processed' || outcome.status === 'ignored')) settled.push(id);
  }
  return settled;
}

async function fetchNewMail(options: PollOptions, mailbox: MailboxRow): Promise<PollStats> {
  const { database, mailboxId, workerId } = options;
  const context = (settings: PollContext['settings']): PollContext => ({
    database,
    mailbox,
    settings,
    maxMessageBytes: options.maxMessageBytes,
    keepLease: async () => {
      if (!(await renewMailboxLease(database.db, mailboxId, workerId))) throw new LeaseLostError('Another worker took the mailbox over.');
    },
    processStored: (ids) => processAll(database, ids),
  });
  const fetch = (settings: PollContext['settings']) => (mailbox.protocol === 'imap' ? pollImap(context(settings)) : pollPop3(context(settings)));
  const settings = await storedMailServerSettings(database, mailbox);
  try {
    return await fetch(settings);
  } catch (error) {
    // A token the server refuses may have been revoked early or be stale: refresh once before giving up.
    if (!(error instanceof MailConnectionError && error.kind === 'auth' && mailbox.authMethod === 'oauth')) throw error;
    const accessToken = await getMailboxAccessToken({ database, mailboxId, forceRefresh: true });
    return fetch({ ...settings, credential: { kind: 'oauth', accessToken } });
  }
}

async function recordFailure(options: PollOptions, mailbox: MailboxRow, error: unknown): Promise<string> {
  const { db } = options.database;
  const needsPerson =
    (error instanceof OAuthFailure && error.kind === 'needs_reauthorization') ||
    (error instanceof MailConnectionError && error.kind === 'auth' && mailbox.authMethod === 'oauth');
  const message = error instanceof Error ? error.message : String(error);
  const failures = mailbox.consecutiveFailures + 1;
  const delay = Math.min(options.pollIntervalSeconds * 2 ** Math.min(failures, 10), MAX_BACKOFF_SECONDS);
  // A refused grant pauses the mailbox (no retry storm) until someone re-authorizes it.
  await setMailboxStatus(db, mailbox.id, needsPerson ? 'needs_reauthorization' : 'failing', needsPerson && !/Re-authorize/.test(message) ? `${message} Re-authorize the mailbox.` : message);
  await db.update(mailboxes).set({ consecutiveFailures: failures, nextPollAt: new Date(Date.now() + delay * 1000), lastPollAt: new Date() }).where(eq(mailboxes.id, mailbox.id));
  log.warn('mailbox.poll_failed', { mailboxId: mailbox.id, failures, retryInSeconds: delay, problem: message });
  return message;
}

/**
 * One poll of one mailbox, by whichever worker holds its lease: first the stored messages
 * due for another processing attempt, then new mail. Records the mailbox's health.
 */
export async function pollMailbox(options: PollOptions): Promise<PollOutcome> {
  const { database, mailboxId, workerId } = options;
  const { db } = database;
  if (!(await acquireMailboxLease(db, mailboxId, workerId))) return { polled: false, reason: 'another worker is polling this mailbox' };
  try {
    const [mailbox] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
    if (!mailbox || (mailbox.status !== 'active' && mailbox.status !== 'failing')) return { polled: false, reason: 'mailbox not active' };
    try {
      await processAll(database, await dueInboundMessages(db, mailbox.id));
      const stats = await fetchNewMail(options, mailbox);
      const [pending] = await db
        .select({ total: count() })
        .from(inboundMessages)
        .where(and(eq(inboundMessages.mailboxId, mailbox.id), inArray(inboundMessages.status, ['pending'])));
      if (mailbox.status !== 'active') await setMailboxStatus(db, mailbox.id, 'active');
      const now = new Date();
      await db
        .update(mailboxes)
        .set({
          consecutiveFailures: 0,
          nextPollAt: new Date(now.getTime() + options.pollIntervalSeconds * 1000),
          lastPollAt: now,
          lastCheckAt: now,
          lastSuccessAt: now,
          messagesWaiting: stats.waiting + Number(pending?.total ?? 0),
        })
        .where(eq(mailboxes.id, mailbox.id));
      return { polled: true, stats };
    } catch (error) {
      if (error instanceof LeaseLostError) return { polled: false, reason: error.message };
      return { polled: true, error: await recordFailure(options, mailbox, error) };
    }
  } finally {
    await releaseMailboxLease(db, mailboxId, workerId);
  }
}
