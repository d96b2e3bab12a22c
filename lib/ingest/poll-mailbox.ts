import { and, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { inboundMessages, mailboxes } from '@/db/schema';
import { log } from '@/lib/log';
import { MailConnectionError } from '@/lib/mail/mail-error';
import type { MailboxRow } from '@/lib/mailboxes/mailbox-access';
import { getMailboxAccessToken } from '@/lib/mailboxes/mailbox-access-token';
import { storedMailServerSettings } from '@/lib/mailboxes/mailbox-connection';
import { isReadStatus, setMailboxStatus } from '@/lib/mailboxes/mailbox-status';
import { type ProviderThrottle, providerPauseMs, recognizeProviderThrottle } from '@/lib/mail/provider-throttle';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import { backoffDelayMs } from '@/lib/runtime/backoff-delay';
import { databaseConnectionLost, describeFailure } from '@/lib/runtime/describe-failure';
import { retryWhileDatabaseDown } from '@/lib/runtime/retry-while-database-down';
import { MailboxLease, POLL_LEASE_MS, PollStoppedError } from './mailbox-lease';
import type { PollContext, PollStats } from './poll-context';
import { pollImap } from './poll-imap';
import { pollPop3 } from './poll-pop3';
import { processInboundMessages } from './process-inbound-batch';
import { dueInboundMessages } from './process-inbound-message';

/** Longest wait between attempts on a failing mailbox. */
const MAX_BACKOFF_MS = 3_600_000;

export interface PollOptions {
  database: DatabaseHandle;
  mailboxId: string;
  workerId: string;
  pollIntervalSeconds: number;
  maxMessageBytes: number;
  /** The worker's shutdown: the poll stops before its next message and gives the mailbox up. */
  stopping?: AbortSignal;
}

export type PollOutcome = { polled: false; reason: string } | { polled: true; stats: PollStats } | { polled: true; error: string };

function processAll(database: DatabaseHandle, lease: MailboxLease, mailboxId: string, ids: string[], sources?: Map<string, Buffer>): Promise<string[]> {
  return processInboundMessages(database.db, mailboxId, ids, { beforeEach: () => lease.check(), sources });
}

/**
 * Messages stored by an earlier poll but not filed (it crashed, or its lease ran out) and
 * messages due for another attempt, in rounds until none is left: after a crash there may be
 * more than one round's worth.
 */
async function processDue(database: DatabaseHandle, lease: MailboxLease, mailboxId: string): Promise<void> {
  // Each message once per poll: one that stays due without being settled must not loop forever.
  const tried = new Set<string>();
  for (;;) {
    const due = (await dueInboundMessages(database.db, mailboxId)).filter((id) => !tried.has(id));
    if (due.length === 0) return;
    for (const id of due) tried.add(id);
    await processAll(database, lease, mailboxId, due);
  }
}

async function fetchNewMail(options: PollOptions, mailbox: MailboxRow, lease: MailboxLease): Promise<PollStats> {
  const { database, mailboxId } = options;
  const context = (settings: PollContext['settings']): PollContext => ({
    database,
    mailbox,
    settings,
    maxMessageBytes: options.maxMessageBytes,
    checkLease: () => lease.check(),
    processStored: (ids, sources) => processAll(database, lease, mailboxId, ids, sources),
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

/**
 * The provider throttled reading: no poll and no IDLE connection until the pause is over (each
 * early attempt would lengthen Exchange's penalty and use Gmail's bandwidth); then polls resume by themselves.
 */
async function recordThrottle(options: PollOptions, mailbox: MailboxRow, throttle: ProviderThrottle): Promise<string> {
  const { db } = options.database;
  const throttlesBefore = mailbox.status === 'paused_by_provider' ? mailbox.consecutiveFailures : 0;
  const pauseMs = providerPauseMs(throttle, throttlesBefore);
  // One transaction: a listener's pollSoon between the two would make the paused mailbox due at once.
  await db.transaction(async (tx) => {
    await setMailboxStatus(tx, mailbox.id, 'paused_by_provider', throttle.words);
    await tx
      .update(mailboxes)
      .set({ consecutiveFailures: throttlesBefore + 1, nextPollAt: new Date(Date.now() + pauseMs), lastPollAt: new Date() })
      .where(eq(mailboxes.id, mailbox.id));
  });
  log.warn('mailbox.paused_by_provider', {
    mailboxId: mailbox.id,
    throttle: throttle.kind,
    pausedForSeconds: Math.round(pauseMs / 1000),
    problem: throttle.words,
  });
  return throttle.words;
}

async function recordFailure(options: PollOptions, mailbox: MailboxRow, error: unknown): Promise<string> {
  const { db } = options.database;
  const throttle = recognizeProviderThrottle(error);
  if (throttle) return recordThrottle(options, mailbox, throttle);
  const needsPerson =
    (error instanceof OAuthFailure && error.kind === 'needs_reauthorization') ||
    (error instanceof MailConnectionError && error.kind === 'auth' && mailbox.authMethod === 'oauth');
  const message = describeFailure(error);
  const failures = mailbox.consecutiveFailures + 1;
  // Backoff spares a failing mail server or provider; a lost database connection says nothing of
  // either, and the mailbox is polled again at its regular interval.
  const intervalMs = options.pollIntervalSeconds * 1000;
  const delayMs = databaseConnectionLost(error) ? Math.min(intervalMs, MAX_BACKOFF_MS) : backoffDelayMs(intervalMs, failures, MAX_BACKOFF_MS);
  // Written once the database is back, if it is what failed: else the mailbox would stay Active.
  await retryWhileDatabaseDown(async () => {
    // A refused grant pauses the mailbox (no retry storm) until someone re-authorizes it.
    await setMailboxStatus(db, mailbox.id, needsPerson ? 'needs_reauthorization' : 'failing', message);
    await db
      .update(mailboxes)
      .set({ consecutiveFailures: failures, nextPollAt: new Date(Date.now() + delayMs), lastPollAt: new Date() })
      .where(eq(mailboxes.id, mailbox.id));
  }, POLL_LEASE_MS);
  log.warn('mailbox.poll_failed', { mailboxId: mailbox.id, failures, retryInSeconds: delayMs / 1000, problem: message });
  return message;
}

/**
 * The next regular poll, unless a poll was asked for while this one ran (an IDLE listener saw
 * mail arrive, see pollSoon): then the mailbox stays due, as a later poll is the only one that
 * sees that mail. Compared within a millisecond because a JS date has no microseconds.
 */
function nextPollAfterSuccess(atStart: Date, regularMs: number): SQL {
  // Raw SQL parameters bypass the column's date mapping: pass timestamps as ISO text.
  const at = (ms: number) => sql`${new Date(ms).toISOString()}::timestamptz`;
  return sql`case when ${mailboxes.nextPollAt} between ${at(atStart.getTime() - 1)} and ${at(atStart.getTime() + 1)} then ${at(regularMs)} else ${mailboxes.nextPollAt} end`;
}

/**
 * One poll of one mailbox, by whichever worker holds its lease: first the stored messages
 * due for another processing attempt, then new mail. Records the mailbox's health.
 */
export async function pollMailbox(options: PollOptions): Promise<PollOutcome> {
  const { database, mailboxId, workerId } = options;
  const { db } = database;
  if (options.stopping?.aborted) return { polled: false, reason: 'its worker is stopping' };
  const lease = await MailboxLease.acquire(db, mailboxId, workerId, options.stopping);
  if (!lease) return { polled: false, reason: 'another worker is polling this mailbox' };
  try {
    const [mailbox] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
    if (!mailbox || !isReadStatus(mailbox.status)) return { polled: false, reason: 'mailbox not active' };
    try {
      await processDue(database, lease, mailbox.id);
      const stats = await fetchNewMail(options, mailbox, lease);
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
          nextPollAt: nextPollAfterSuccess(mailbox.nextPollAt, now.getTime() + options.pollIntervalSeconds * 1000),
          lastPollAt: now,
          lastCheckAt: now,
          lastSuccessAt: now,
          messagesWaiting: stats.waiting + Number(pending?.total ?? 0),
        })
        .where(eq(mailboxes.id, mailbox.id));
      return { polled: true, stats };
    } catch (error) {
      if (error instanceof PollStoppedError) return { polled: false, reason: error.message };
      return { polled: true, error: await recordFailure(options, mailbox, error) };
    }
  } finally {
    await lease.release();
  }
}
