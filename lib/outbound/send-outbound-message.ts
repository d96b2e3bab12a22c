import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { comments, inboundMessages, mailboxes, outboundMessages, projects, requests } from '@/db/schema';
import { log } from '@/lib/log';
import { databaseConnectionLost, describeFailure } from '@/lib/runtime/describe-failure';
import { retryWhileDatabaseDown } from '@/lib/runtime/retry-while-database-down';
import { openSmtpTransport } from '@/lib/mail/smtp/smtp-transport';
import { storedMailServerSettings } from '@/lib/mailboxes/mailbox-connection';
import { requestKey } from '@/lib/requests/insert-request';
import { describeSmtpFailure } from '@/lib/mail/smtp/describe-smtp-failure';
import { smtpEndpointOf } from './smtp-endpoint';

/** Attempts before a message is given up as Failed: about four hours, with backoff doubling up to an hour. */
export const MAX_SEND_ATTEMPTS = 10;
/** While one worker sends, others leave the message alone for this long. */
const SEND_CLAIM_MS = 5 * 60_000;
/** Recording an outcome stops this long before the claim runs out, so no other worker can have taken the message over. */
const CLAIM_MARGIN_MS = 30_000;

/** Queued, its backoff over, and no worker sending it now. */
const dueForSending = and(
  eq(outboundMessages.status, 'queued'),
  lte(outboundMessages.nextAttemptAt, sql`now()`),
  or(isNull(outboundMessages.claimedUntil), lte(outboundMessages.claimedUntil, sql`now()`)),
);

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

function bodyOf(kind: 'reply' | 'confirmation', key: string, projectName: string, commentBody: string): string {
  if (kind === 'reply') return `${commentBody}\n\n-- \n${projectName} · ${key}\nReply to this email to add to the request; keep [${key}] in the subject.`;
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
export async function sendOutboundMessage(database: DatabaseHandle, outboundId: string): Promise<'sent' | 'retry' | 'failed' | 'skipped'> {
  const { db } = database;
  const [claimed] = await db
    .update(outboundMessages)
    .set({ claimedUntil: sql`now() + ${`${SEND_CLAIM_MS} milliseconds`}::interval` })
    .where(and(eq(outboundMessages.id, outboundId), dueForSending))
    .returning();
  if (!claimed) return 'skipped';
  const claimedAt = Date.now();
  // Until the SMTP server is reached, a failure is Intake's own (a token that cannot be had, say).
  let describeSendFailure: (error: unknown) => string = describeFailure;
  try {
    const [row] = await db
      .select({ request: requests, projectName: projects.name, projectKey: projects.key, mailbox: mailboxes })
      .from(requests)
      .innerJoin(projects, eq(projects.id, requests.projectId))
      .innerJoin(mailboxes, eq(mailboxes.id, sql`${claimed.mailboxId}`))
      .where(eq(requests.id, claimed.requestId));
    if (!row) throw new Error('The mailbox this email would be sent from was removed.');
    const [comment] = claimed.commentId ? await db.select({ body: comments.body }).from(comments).where(eq(comments.id, claimed.commentId)) : [];
    const key = requestKey(row.projectKey, row.request.number);
    const thread = await threadOf(database, row.request.id);
    const smtp = await smtpEndpointOf(database, row.mailbox);
    const login = await storedMailServerSettings(database, row.mailbox);
    describeSendFailure = (error) => describeSmtpFailure(error, smtp, login.credential.kind);
    const transport = await openSmtpTransport(smtp, login);
    try {
      await transport.sendMail({
        from: { name: row.projectName, address: row.mailbox.emailAddress },
        to: claimed.recipients,
        subject: claimed.subject,
        text: bodyOf(claimed.kind, key, row.projectName, comment?.body ?? ''),
        messageId: `<${claimed.messageId}>`,
        ...(thread.length > 0 ? { inReplyTo: `<${thread.at(-1)}>`, references: [...thread.slice(0, 1), ...thread.slice(-19)].filter((id, index, all) => all.indexOf(id) === index).map((id) => `<${id}>`) } : {}),
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
      await retryWhileDatabaseDown(() => db.update(outboundMessages).set({ claimedUntil: null }).where(eq(outboundMessages.id, claimed.id)), claimRemaining(claimedAt));
      log.warn('outbound.database_connection_lost', { outboundId, code: lost });
      return 'retry';
    }
    const attempts = claimed.attempts + 1;
    const failed = attempts >= MAX_SEND_ATTEMPTS;
    const message = describeSendFailure(error);
    await retryWhileDatabaseDown(
      () =>
        db
          .update(outboundMessages)
          .set({ attempts, lastError: message, status: failed ? 'failed' : 'queued', claimedUntil: null, nextAttemptAt: new Date(Date.now() + Math.min(30_000 * 2 ** attempts, 3_600_000)) })
          .where(eq(outboundMessages.id, claimed.id)),
      claimRemaining(claimedAt),
    );
    log.warn('outbound.send_failed', { outboundId, attempts, problem: message });
    return failed ? 'failed' : 'retry';
  }
  try {
    await retryWhileDatabaseDown(
      () => db.update(outboundMessages).set({ status: 'sent', sentAt: new Date(), lastError: null, attempts: claimed.attempts + 1, claimedUntil: null }).where(eq(outboundMessages.id, claimed.id)),
      claimRemaining(claimedAt),
    );
  } catch (error) {
    // Past the claim another worker may send it: it goes out again, with the same Message-ID.
    log.error('outbound.sent_not_recorded', { outboundId, problem: describeFailure(error) });
    throw error;
  }
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
