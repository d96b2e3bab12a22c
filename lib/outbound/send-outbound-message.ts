import { and, asc, count, eq, gt, isNull, lte, min, or, sql } from 'drizzle-orm';
import type { Database, DatabaseHandle } from '@/db/client';
import { attachments, comments, inboundMessages, mailboxes, oauthIntegrations, outboundMessages, projects, requests, users } from '@/db/schema';
import { log } from '@/lib/log';
import { backoffDelayMs } from '@/lib/runtime/backoff-delay';
import { databaseConnectionLost, describeFailure } from '@/lib/runtime/describe-failure';
import { retryWhileDatabaseDown } from '@/lib/runtime/retry-while-database-down';
import { openSmtpTransport } from '@/lib/mail/smtp/smtp-transport';
import { smtpLoginOf, storedMailServerSettings } from '@/lib/mailboxes/mailbox-connection';
import { requestKey } from '@/lib/requests/insert-request';
import { describeSmtpFailure } from '@/lib/mail/smtp/describe-smtp-failure';
import { type ProviderThrottle, providerPauseMs, recognizeProviderThrottle } from '@/lib/mail/provider-throttle';
import { PASSWORD_SEND_LIMIT_PER_MINUTE, PROVIDER_PRESETS } from '@/lib/oauth/providers';
import { renderReplySignature } from './reply-signature';
import { smtpEndpointOf } from './smtp-endpoint';

/** Attempts before a message is given up as Failed: about four hours, with backoff doubling up to an hour. */
export const MAX_SEND_ATTEMPTS = 10;
/** While one worker sends, others leave the message alone for this long. */
const SEND_CLAIM_MS = 5 * 60_000;
/**
 * A mailbox's pace counts its attempts in any window this long: a minute, and a margin because
 * the provider counts a message from when it accepted it, a little after the attempt began.
 */
const SEND_PACE_WINDOW_MS = 65_000;
/** Recording an outcome stops this long before the claim runs out, so no other worker can have taken the message over. */
const CLAIM_MARGIN_MS = 30_000;

/** Queued, its backoff over, no worker sending it now, and its mailbox not paused by the provider. */
const dueForSending = and(
  eq(outboundMessages.status, 'queued'),
  lte(outboundMessages.nextAttemptAt, sql`now()`),
  or(isNull(outboundMessages.claimedUntil), lte(outboundMessages.claimedUntil, sql`now()`)),
  sql`not exists (select 1 from ${mailboxes} where ${mailboxes.id} = ${outboundMessages.mailboxId} and ${mailboxes.sendingPausedUntil} > now())`,
);

type OutboundRow = typeof outboundMessages.$inferSelect;

/**
 * Claims a due message if its mailbox may send one more now: at most its pace of attempts in any
 * minute (the provider's limit, see PROVIDER_PRESETS, or the channel's own). Over the pace the
 * message waits for the minute to turn, without an attempt. Attempts of one mailbox are counted
 * under a lock of its own, so concurrent senders cannot both take the last place.
 */
async function claimWithinPace(db: Database, outboundId: string): Promise<OutboundRow | 'paced' | null> {
  return db.transaction(async (tx) => {
    const [due] = await tx
      .select({ mailboxId: outboundMessages.mailboxId, limit: mailboxes.sendLimitPerMinute, provider: oauthIntegrations.provider })
      .from(outboundMessages)
      .leftJoin(mailboxes, eq(mailboxes.id, outboundMessages.mailboxId))
      .leftJoin(oauthIntegrations, eq(oauthIntegrations.id, mailboxes.integrationId))
      .where(and(eq(outboundMessages.id, outboundId), dueForSending));
    if (!due) return null;
    if (due.mailboxId) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`outbound-pace:${due.mailboxId}`}, 0))`);
      const [window] = await tx
        .select({ attempts: count(), oldest: min(outboundMessages.lastAttemptAt) })
        .from(outboundMessages)
        .where(
          and(
            eq(outboundMessages.mailboxId, due.mailboxId),
            gt(outboundMessages.lastAttemptAt, sql`now() - ${`${SEND_PACE_WINDOW_MS} milliseconds`}::interval`),
          ),
        );
      const limit = due.limit ?? (due.provider ? PROVIDER_PRESETS[due.provider].sendLimitPerMinute : PASSWORD_SEND_LIMIT_PER_MINUTE);
      if (window && window.attempts >= limit && window.oldest) {
        await tx
          .update(outboundMessages)
          .set({ nextAttemptAt: new Date(new Date(window.oldest).getTime() + SEND_PACE_WINDOW_MS) })
          .where(eq(outboundMessages.id, outboundId));
        return 'paced';
      }
    }
    const [claimed] = await tx
      .update(outboundMessages)
      .set({ claimedUntil: sql`now() + ${`${SEND_CLAIM_MS} milliseconds`}::interval`, lastAttemptAt: sql`now()` })
      .where(and(eq(outboundMessages.id, outboundId), dueForSending))
      .returning();
    return claimed ?? null;
  });
}

/**
 * The provider throttled the mailbox: nothing more is sent through it until the pause is over,
 * and the message waits as it is (the provider's limit is not the message's fault, so no attempt
 * is counted towards giving it up).
 */
async function pauseSending(db: Database, message: OutboundRow, throttle: ProviderThrottle): Promise<void> {
  const mailboxId = message.mailboxId!;
  const [mailbox] = await db.select({ throttles: mailboxes.sendingThrottles }).from(mailboxes).where(eq(mailboxes.id, mailboxId));
  const pauseMs = providerPauseMs(throttle, mailbox?.throttles ?? 0);
  // Sends already under way when the provider began to throttle are refused too: they join the
  // pause the first one set instead of doubling it.
  const [started] = await db
    .update(mailboxes)
    .set({ sendingPausedUntil: new Date(Date.now() + pauseMs), sendingPauseReason: throttle.words, sendingThrottles: sql`${mailboxes.sendingThrottles} + 1` })
    .where(and(eq(mailboxes.id, mailboxId), or(isNull(mailboxes.sendingPausedUntil), lte(mailboxes.sendingPausedUntil, sql`now()`))))
    .returning({ until: mailboxes.sendingPausedUntil });
  const [current] = started ? [started] : await db.select({ until: mailboxes.sendingPausedUntil }).from(mailboxes).where(eq(mailboxes.id, mailboxId));
  const until = current?.until ?? new Date(Date.now() + pauseMs);
  await db.update(outboundMessages).set({ claimedUntil: null, nextAttemptAt: until, lastError: throttle.words }).where(eq(outboundMessages.id, message.id));
  if (started)
    log.warn('outbound.paused_by_provider', {
      outboundId: message.id,
      mailboxId,
      throttle: throttle.kind,
      pausedForSeconds: Math.round(pauseMs / 1000),
      problem: throttle.words,
    });
}

async function resumeSending(db: Database, mailboxId: string): Promise<void> {
  await db.update(mailboxes).set({ sendingPausedUntil: null, sendingPauseReason: null, sendingThrottles: 0 }).where(eq(mailboxes.id, mailboxId));
}

/** Message-IDs of the thread so far: what the customer sent and what Intake sent, oldest first. */
async function threadOf(database: DatabaseHandle, requestId: string): Promise<string[]> {
  const received = await database.db
    .select({ messageId: inboundMessages.messageId, at: inboundMessages.fetchedAt })
    .from(inboundMessages)
    .where(eq(inboundMessages.requestId, requestId));
  const sent = await database.db
    .select({ messageId: outboundMessages.messageId, at: outboundMessages.sentAt })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.requestId, requestId), eq(outboundMessages.status, 'sent')));
  return [...received, ...sent]
    .filter((entry): entry is { messageId: string; at: Date } => Boolean(entry.messageId && entry.at))
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((entry) => entry.messageId);
}

function bodyOf(kind: 'reply' | 'confirmation', key: string, projectName: string, commentBody: string, signature: string): string {
  if (kind === 'reply') {
    // The signature goes above the "-- " line, which mail clients dim or drop when quoting: it is the agent's, the footer Intake's.
    const signed = signature ? `${commentBody}\n\n${signature}` : commentBody;
    return `${signed}\n\n-- \n${projectName} · ${key}\nReply to this email to add to the request; keep [${key}] in the subject.`;
  }
  return [
    'Hello,',
    '',
    `we have received your request and filed it as ${key}. Our team will answer you by email.`,
    '',
    `To add information, reply to this email and keep [${key}] in the subject.`,
    '',
    `-- \n${projectName}`,
  ].join('\n');
}

/**
 * Sends one queued message through its channel's own mailbox over SMTP (XOAUTH2 or
 * password). A failure is recorded and retried with backoff; the comment it belongs to is
 * never affected. Once the SMTP server has accepted the message it is recorded as sent, however
 * long the database takes to come back within the claim: recorded as a failure, it would go out
 * again. A lost database connection before that costs no attempt.
 */
export async function sendOutboundMessage(database: DatabaseHandle, outboundId: string): Promise<'sent' | 'retry' | 'failed' | 'skipped' | 'paced' | 'paused'> {
  const { db } = database;
  const claimed = await claimWithinPace(db, outboundId);
  if (!claimed) return 'skipped';
  if (claimed === 'paced') return 'paced';
  const claimedAt = Date.now();
  // Until the SMTP server is reached, a failure is Intake's own (a token that cannot be had, say).
  let describeSendFailure: (error: unknown) => string = describeFailure;
  let reachedServer = false;
  let wasThrottled = false;
  try {
    const [row] = await db
      .select({ request: requests, projectName: projects.name, projectKey: projects.key, replySignature: projects.replySignature, mailbox: mailboxes })
      .from(requests)
      .innerJoin(projects, eq(projects.id, requests.projectId))
      .innerJoin(mailboxes, eq(mailboxes.id, sql`${claimed.mailboxId}`))
      .where(eq(requests.id, claimed.requestId));
    if (!row) throw new Error('The mailbox this email would be sent from was removed.');
    wasThrottled = row.mailbox.sendingThrottles > 0;
    const [comment] = claimed.commentId
      ? await db
          .select({ body: comments.body, authorName: users.name })
          .from(comments)
          .leftJoin(users, eq(users.id, comments.authorUserId))
          .where(eq(comments.id, claimed.commentId))
      : [];
    // Only a reply to the customer carries files; a confirmation has no comment, and an internal note is never sent.
    const files =
      claimed.kind === 'reply' && claimed.commentId
        ? await db
            .select({ filename: attachments.filename, contentType: attachments.contentType, content: attachments.content })
            .from(attachments)
            .innerJoin(comments, eq(comments.id, attachments.commentId))
            .where(and(eq(attachments.commentId, claimed.commentId), eq(comments.visibility, 'public')))
            .orderBy(asc(attachments.createdAt))
        : [];
    const signature = renderReplySignature(row.replySignature, { agentName: comment?.authorName ?? row.projectName, projectName: row.projectName });
    const key = requestKey(row.projectKey, row.request.number);
    const thread = await threadOf(database, row.request.id);
    const smtp = await smtpEndpointOf(database, row.mailbox);
    const login = smtpLoginOf(await storedMailServerSettings(database, row.mailbox), row.mailbox);
    const sendingAs = login.username === row.mailbox.emailAddress ? undefined : { login: login.username, sender: row.mailbox.emailAddress };
    describeSendFailure = (error) => describeSmtpFailure(error, smtp, login.credential.kind, sendingAs);
    reachedServer = true;
    const transport = await openSmtpTransport(smtp, login);
    try {
      await transport.sendMail({
        from: { name: row.projectName, address: row.mailbox.emailAddress },
        to: claimed.recipients,
        subject: claimed.subject,
        text: bodyOf(claimed.kind, key, row.projectName, comment?.body ?? '', signature),
        messageId: `<${claimed.messageId}>`,
        attachments: files.map((file) => ({ filename: file.filename, contentType: file.contentType, content: file.content })),
        ...(thread.length > 0
          ? {
              inReplyTo: `<${thread.at(-1)}>`,
              references: [...thread.slice(0, 1), ...thread.slice(-19)].filter((id, index, all) => all.indexOf(id) === index).map((id) => `<${id}>`),
            }
          : {}),
        headers: {
          // Ask customers' servers not to answer with out-of-office replies.
          'X-Auto-Response-Suppress': 'All',
          ...(claimed.kind === 'confirmation' ? { 'Auto-Submitted': 'auto-replied' } : {}),
        },
      });
    } finally {
      transport.close();
    }
  } catch (error) {
    const lost = databaseConnectionLost(error);
    if (lost) {
      // Not sent, and not the message's fault: it is due again as soon as the database is back.
      await retryWhileDatabaseDown(
        () => db.update(outboundMessages).set({ claimedUntil: null }).where(eq(outboundMessages.id, claimed.id)),
        claimRemaining(claimedAt),
      );
      log.warn('outbound.database_connection_lost', { outboundId, code: lost });
      return 'retry';
    }
    const throttle = reachedServer ? recognizeProviderThrottle(error) : null;
    if (throttle && claimed.mailboxId) {
      await pauseSending(db, claimed, throttle);
      return 'paused';
    }
    const attempts = claimed.attempts + 1;
    const failed = attempts >= MAX_SEND_ATTEMPTS;
    const message = describeSendFailure(error);
    await retryWhileDatabaseDown(
      () =>
        db
          .update(outboundMessages)
          .set({
            attempts,
            lastError: message,
            status: failed ? 'failed' : 'queued',
            claimedUntil: null,
            nextAttemptAt: new Date(Date.now() + backoffDelayMs(30_000, attempts, 3_600_000)),
          })
          .where(eq(outboundMessages.id, claimed.id)),
      claimRemaining(claimedAt),
    );
    log.warn('outbound.send_failed', { outboundId, attempts, problem: message });
    return failed ? 'failed' : 'retry';
  }
  try {
    await retryWhileDatabaseDown(
      () =>
        db
          .update(outboundMessages)
          .set({ status: 'sent', sentAt: new Date(), lastError: null, attempts: claimed.attempts + 1, claimedUntil: null })
          .where(eq(outboundMessages.id, claimed.id)),
      claimRemaining(claimedAt),
    );
  } catch (error) {
    // Past the claim another worker may send it: it goes out again, with the same Message-ID.
    log.error('outbound.sent_not_recorded', { outboundId, problem: describeFailure(error) });
    throw error;
  }
  if (wasThrottled && claimed.mailboxId) await resumeSending(db, claimed.mailboxId);
  return 'sent';
}

/** What is left of a claim taken at `claimedAt`, less a margin for the clocks of database and worker. */
function claimRemaining(claimedAt: number): number {
  return SEND_CLAIM_MS - CLAIM_MARGIN_MS - (Date.now() - claimedAt);
}

/** Queued messages whose next attempt is due. */
export async function dueOutboundMessages(database: DatabaseHandle, limit = 100): Promise<string[]> {
  const rows = await database.db
    .select({ id: outboundMessages.id })
    .from(outboundMessages)
    .where(dueForSending)
    .orderBy(asc(outboundMessages.nextAttemptAt))
    .limit(limit);
  return rows.map((row) => row.id);
}
