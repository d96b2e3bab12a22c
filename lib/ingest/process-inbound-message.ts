import { and, eq, lte, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { comments, inboundMessages, mailboxes, projects, requestEvents, requestParticipants, requests } from '@/db/schema';
import { upsertCustomer } from '@/lib/customers/upsert-customer';
import { EmailParseError, type ParsedEmail, parseEmail } from '@/lib/email/parse-email';
import { extractReplyText } from '@/lib/email/extract-reply-text';
import { log } from '@/lib/log';
import { readAnswerToken } from '@/lib/notifications/answer-token';
import { recordNotifications } from '@/lib/notifications/record-notifications';
import { listOwnAddresses } from '@/lib/mailboxes/list-own-addresses';
import { insertRequest, requestKey } from '@/lib/requests/insert-request';
import { applySenderPolicy, automatedMailReason, senderOverRateLimit } from './apply-sender-policy';
import { backoffDelayMs } from '@/lib/runtime/backoff-delay';
import { databaseConnectionLost, describeFailure } from '@/lib/runtime/describe-failure';
import { emailParticipants } from './email-participants';
import { fileAgentAnswer } from './file-agent-answer';
import { findRequestForReply } from './find-request-for-reply';
import { type InboundOutcome, inboundOutcomeColumns, inboundStatusOf } from './inbound-outcome';
import { confirmationsLeft, queueConfirmation } from './queue-confirmation';
import { storeAttachments } from './store-attachments';

/** Processing attempts before a message is marked Failed; it is never deleted from the server. */
export const MAX_PROCESSING_ATTEMPTS = 5;

type Mailbox = typeof mailboxes.$inferSelect;
type Project = typeof projects.$inferSelect;

/** The customer may join a thread only if they are already on it (Reply-To/In-Reply-To are theirs to forge). */
async function isOnRequest(tx: Transaction, requestId: string, customerId: string): Promise<boolean> {
  const [reporter] = await tx
    .select({ id: requests.id })
    .from(requests)
    .where(and(eq(requests.id, requestId), eq(requests.reporterId, customerId)));
  if (reporter) return true;
  const [participant] = await tx
    .select({ id: requestParticipants.requestId })
    .from(requestParticipants)
    .where(and(eq(requestParticipants.requestId, requestId), eq(requestParticipants.customerId, customerId)));
  return participant !== undefined;
}

async function addEmailComment(tx: Transaction, requestId: string, customerId: string, inboundId: string, email: ParsedEmail): Promise<string> {
  const [comment] = await tx
    .insert(comments)
    .values({
      requestId,
      visibility: 'public',
      authorCustomerId: customerId,
      body: extractReplyText(email.text),
      fullBody: email.text,
      bodyHtml: email.html,
      inboundMessageId: inboundId,
    })
    .returning({ id: comments.id });
  const [request] = await tx.select({ status: requests.status }).from(requests).where(eq(requests.id, requestId));
  // A customer's answer puts the request back in the agents' court; a reply to a resolved request reopens it.
  if (request && request.status !== 'open') {
    await tx
      .insert(requestEvents)
      .values({ requestId, kind: request.status === 'resolved' ? 'reopened_by_email' : 'status', fromValue: request.status, toValue: 'open' });
  }
  await tx.update(requests).set({ status: 'open', lastActivityAt: new Date(), updatedAt: new Date() }).where(eq(requests.id, requestId));
  await storeAttachments(tx, [{ requestId, commentId: comment!.id, files: email.attachments }]);
  return comment!.id;
}

async function createEmailRequest(tx: Transaction, mailbox: Mailbox, project: Project, reporterId: string, email: ParsedEmail, imported: boolean) {
  const ownAddresses = await listOwnAddresses(tx);
  const participantIds: string[] = [];
  for (const address of emailParticipants(email, ownAddresses))
    participantIds.push(await upsertCustomer(tx, project.id, { email: address.address, name: address.name }));
  const created = await insertRequest(tx, {
    projectId: project.id,
    summary: email.subject,
    description: email.text,
    descriptionHtml: email.html,
    reporterId,
    mailboxId: mailbox.id,
    participantIds,
    imported,
  });
  await storeAttachments(tx, [{ requestId: created.id, commentId: null, files: email.attachments }]);
  return created;
}

/**
 * Decides what an email becomes and commits it with the message's new status, in one
 * transaction. Null when the message was no longer pending: another poll filed it first.
 */
async function fileEmail(
  db: Database,
  message: { id: string; imported: boolean },
  mailbox: Mailbox,
  project: Project,
  email: ParsedEmail,
): Promise<InboundOutcome | null> {
  // An agent answering a notification is not a customer: the sender policy is not theirs to pass.
  // Their out-of-office reply to it is still only an out-of-office reply, never sent on to the customer.
  const answerToken = readAnswerToken([...email.inReplyTo, ...email.references], new Date());
  const automated = answerToken ? automatedMailReason(email) : null;
  if (automated) return { kind: 'ignored', reason: automated };
  if (answerToken) return fileAgentAnswer(db, message, email, answerToken);
  const decision = await applySenderPolicy(db, { projectId: project.id, emailAccess: project.emailAccess }, email);
  if (decision.verdict === 'ignored') return { kind: 'ignored', reason: decision.reason };
  if (decision.verdict === 'rejected') return { kind: 'rejected', reason: decision.reason };

  return db.transaction(async (tx) => {
    // The row lock makes filing exactly-once even when two polls work the same message (a
    // lease that ran out mid-batch): the second waits here, then sees it settled and backs off.
    const [current] = await tx.select({ status: inboundMessages.status }).from(inboundMessages).where(eq(inboundMessages.id, message.id)).for('update');
    if (current?.status !== 'pending') return null;
    const reporterId = await upsertCustomer(tx, project.id, { email: email.from!.address, name: email.from!.name });
    const threadRequestId = mailbox.addComments ? await findRequestForReply(tx, project, email) : null;
    let outcome: InboundOutcome;
    if (threadRequestId && (await isOnRequest(tx, threadRequestId, reporterId))) {
      await addEmailComment(tx, threadRequestId, reporterId, message.id, email);
      if (!message.imported) await recordNotifications(tx, { kind: 'customer_reply', requestIds: [threadRequestId] });
      const [request] = await tx.select({ number: requests.number }).from(requests).where(eq(requests.id, threadRequestId));
      outcome = { kind: 'comment_added', requestId: threadRequestId, requestKey: requestKey(project.key, request!.number) };
    } else if (!mailbox.createRequests) {
      outcome = { kind: 'not_a_reply' };
    } else if (!decision.allowlisted && !message.imported && (await senderOverRateLimit(tx, mailbox.id, reporterId))) {
      outcome = { kind: 'sender_over_rate_limit' };
    } else {
      const created = await createEmailRequest(tx, mailbox, project, reporterId, email, message.imported);
      // A backlog imported at connection is old mail: it notifies nobody.
      if (!message.imported) await recordNotifications(tx, { kind: 'new_request', requestIds: [created.id] });
      if (project.sendConfirmations && !message.imported)
        await queueConfirmation(tx, { ...created, projectId: project.id, mailboxId: mailbox.id }, email, await confirmationsLeft(tx, mailbox.id));
      outcome = { kind: 'request_created', requestId: created.id, requestKey: created.key };
    }
    await tx
      .update(inboundMessages)
      .set({ ...inboundOutcomeColumns(outcome), processedAt: new Date(), lastError: null })
      .where(eq(inboundMessages.id, message.id));
    return outcome;
  });
}

async function storedSource(db: Database, inboundId: string): Promise<Buffer> {
  const [row] = await db.select({ raw: inboundMessages.raw }).from(inboundMessages).where(eq(inboundMessages.id, inboundId));
  if (!row?.raw) throw new Error('The stored message has no source.');
  return row.raw;
}

/**
 * Turns one stored message into a request or a comment (or a logged Ignored/Rejected entry).
 * A failure is retried with backoff, and after MAX_PROCESSING_ATTEMPTS the message is Failed;
 * it never blocks the messages after it. `parsed` is the message already parsed by the caller.
 */
export async function processInboundMessage(db: Database, inboundId: string, parsed?: ParsedEmail): Promise<InboundOutcome | null> {
  const [message] = await db
    .select({
      id: inboundMessages.id,
      status: inboundMessages.status,
      attempts: inboundMessages.attempts,
      mailboxId: inboundMessages.mailboxId,
      projectId: inboundMessages.projectId,
      imported: inboundMessages.imported,
      downloaded: sql<boolean>`${inboundMessages.raw} is not null`,
    })
    .from(inboundMessages)
    .where(eq(inboundMessages.id, inboundId));
  if (message?.status !== 'pending' || !message.downloaded || !message.mailboxId) return null;
  const [mailbox] = await db.select().from(mailboxes).where(eq(mailboxes.id, message.mailboxId));
  const [project] = await db.select().from(projects).where(eq(projects.id, message.projectId));
  if (!mailbox || !project) return null;

  const settle = async (outcome: InboundOutcome, extra: Partial<typeof inboundMessages.$inferInsert> = {}) => {
    await db
      .update(inboundMessages)
      .set({ ...inboundOutcomeColumns(outcome), processedAt: new Date(), ...extra })
      .where(and(eq(inboundMessages.id, message.id), eq(inboundMessages.status, 'pending')));
    return outcome;
  };

  try {
    const email = parsed ?? (await parseEmail(await storedSource(db, message.id)));
    const outcome = await fileEmail(db, message, mailbox, project, email);
    if (!outcome) return null;
    // Ignored and rejected mail was not filed inside the transaction; record it now.
    const status = inboundStatusOf(outcome);
    if (status !== 'processed') return settle(outcome, { serverAction: status === 'ignored' ? 'pending' : 'none' });
    return outcome;
  } catch (error) {
    // A lost database connection says nothing about the message: it stays due for the next poll
    // without using up an attempt (a few such drops and it would be Failed, never filed).
    const lost = databaseConnectionLost(error);
    if (lost) {
      log.warn('ingest.database_connection_lost', { inboundId, code: lost });
      return null;
    }
    const reason = error instanceof EmailParseError ? error.reason : describeFailure(error);
    const attempts = message.attempts + 1;
    // A message that cannot be parsed will not parse on a retry either.
    if (error instanceof EmailParseError || attempts >= MAX_PROCESSING_ATTEMPTS) {
      return settle({ kind: 'failed', reason }, { attempts, lastError: reason, serverAction: 'none' });
    }
    await db
      .update(inboundMessages)
      .set({ attempts, lastError: reason, nextAttemptAt: new Date(Date.now() + backoffDelayMs(15_000, attempts, 3_600_000)) })
      .where(eq(inboundMessages.id, message.id));
    return null;
  }
}

/** Stored messages of a mailbox that are due for (another) processing attempt, oldest first. */
export async function dueInboundMessages(db: Database, mailboxId: string, limit = 500): Promise<string[]> {
  // Due-ness is part of the query: filtered afterwards, 500 messages waiting for a later retry
  // would hide every due message behind them.
  const rows = await db
    .select({ id: inboundMessages.id })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.mailboxId, mailboxId), eq(inboundMessages.status, 'pending'), lte(inboundMessages.nextAttemptAt, sql`now()`)))
    .orderBy(inboundMessages.fetchedAt)
    .limit(limit);
  return rows.map((row) => row.id);
}
