import { eq } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { inboundMessages, notifications, users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import type { ParsedEmail } from '@/lib/email/parsed-email';
import { extractReplyText } from '@/lib/email/extract-reply-text';
import { NotFoundError, ValidationError } from '@/lib/errors';
import { log } from '@/lib/log';
import type { AnswerToken } from '@/lib/notifications/answer-token';
import { INTERNAL_NOTE_MARKER } from '@/lib/notifications/notification-email';
import { loadRequestForAgent } from '@/lib/requests/request-access';
import { writeAgentComment } from '@/lib/requests/add-agent-comment';
import { type AnswerRefusal, type InboundOutcome, inboundOutcomeColumns } from './inbound-outcome';

type Answer = { kind: 'reply' | 'internal'; body: string };

interface Accepted {
  notificationId: string;
  actor: Actor;
  request: Awaited<ReturnType<typeof loadRequestForAgent>>;
}

/** The answer's own text above the quoted notification; `#internal` alone on its first line makes it an internal note. */
function answerOf(email: ParsedEmail): Answer {
  const text = extractReplyText(email.text).trim();
  const [first = '', ...rest] = text.split('\n');
  return first.trim().toLowerCase() === INTERNAL_NOTE_MARKER ? { kind: 'internal', body: rest.join('\n').trim() } : { kind: 'reply', body: text };
}

/** Who may answer: the notification's recipient, still active, writing from their own address. */
async function decide(tx: Transaction, email: ParsedEmail, token: AnswerToken): Promise<AnswerRefusal | Accepted> {
  if (token.status !== 'valid') return token.status === 'expired' ? 'expired_token' : 'forged_token';
  const [notification] = await tx
    .select({ id: notifications.id, requestId: notifications.requestId, answeredAt: notifications.answeredAt, recipient: users })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .where(eq(notifications.id, token.notificationId))
    .for('update');
  if (!notification) return 'forged_token';
  if (notification.answeredAt) return 'already_answered';
  const { recipient } = notification;
  if (email.from?.address !== recipient.email.toLowerCase()) return 'not_the_recipient';
  if (!recipient.active) return 'no_access';
  const actor = { userId: recipient.id, email: recipient.email, name: recipient.name, isSystemAdmin: recipient.isSystemAdmin };
  const request = await loadRequestForAgent(tx, actor, notification.requestId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
  if (!request) return 'no_access';
  return { notificationId: notification.id, actor, request };
}

/**
 * An agent's email answer to a notification (its In-Reply-To or References carry the answer
 * token): filed as that agent's *Reply to customer*, or internal note, on the notification's
 * request. The token proves which notification it answers; the sender must be the agent it
 * went to, still allowed on the request. Anything else is refused, never filed as a customer's
 * mail, and logged with the reason. Null when another poll filed the message first.
 */
export async function fileAgentAnswer(db: Database, message: { id: string }, email: ParsedEmail, token: AnswerToken): Promise<InboundOutcome | null> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select({ status: inboundMessages.status }).from(inboundMessages).where(eq(inboundMessages.id, message.id)).for('update');
    if (current?.status !== 'pending') return null;
    const settle = async (outcome: InboundOutcome) => {
      await tx
        .update(inboundMessages)
        .set({
          ...inboundOutcomeColumns(outcome),
          processedAt: new Date(),
          lastError: null,
          serverAction: outcome.kind === 'answer_refused' ? 'none' : 'pending',
        })
        .where(eq(inboundMessages.id, message.id));
      return outcome;
    };
    const refuse = (reason: AnswerRefusal) => {
      log.warn('notification.answer_refused', { inboundId: message.id, reason });
      return settle({ kind: 'answer_refused', reason });
    };
    const decided = await decide(tx, email, token);
    if (typeof decided === 'string') return refuse(decided);
    const answer = answerOf(email);
    if (!answer.body) return refuse('empty');
    const { actor, request, notificationId } = decided;
    try {
      // A savepoint: a reply nobody can receive is refused without undoing the refusal's record.
      await tx.transaction((savepoint) => writeAgentComment(savepoint, actor, request, answer));
    } catch (error) {
      if (error instanceof ValidationError) return refuse('nobody_to_email');
      throw error;
    }
    await tx.update(notifications).set({ answeredAt: new Date() }).where(eq(notifications.id, notificationId));
    return settle({ kind: 'agent_answered', requestId: request.id, requestKey: request.key, agentEmail: actor.email, internal: answer.kind === 'internal' });
  });
}
