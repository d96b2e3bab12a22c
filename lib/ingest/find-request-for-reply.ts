import { and, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { inboundMessages, outboundMessages, requests } from '@/db/schema';
import { requestIdFromIntakeMessageId } from '@/lib/mail/intake-message-id';

export interface ReplyClues {
  subject: string;
  inReplyTo: string[];
  references: string[];
}

/** The leftmost `[KEY-12]` in a subject, if it names this project. */
export function requestNumberInSubject(subject: string, projectKey: string): number | null {
  const match = /\[([A-Z]{2,10})-(\d{1,9})\]/.exec(subject);
  if (!match || match[1] !== projectKey) return null;
  return Number(match[2]);
}

/**
 * The request an email replies to, in this project: by the key in the subject, then by
 * In-Reply-To/References against Message-IDs Intake stored or sent, then by the signed
 * request id in Intake's own Message-IDs.
 */
export async function findRequestForReply(db: Queryable, project: { id: string; key: string }, clues: ReplyClues): Promise<string | null> {
  const number = requestNumberInSubject(clues.subject, project.key);
  if (number !== null) {
    const [request] = await db
      .select({ id: requests.id })
      .from(requests)
      .where(and(eq(requests.projectId, project.id), eq(requests.number, number)));
    if (request) return request.id;
  }
  const threadIds = [...new Set([...clues.inReplyTo, ...clues.references.slice().reverse()])].slice(0, 50);
  if (threadIds.length > 0) {
    const [received] = await db
      .select({ requestId: inboundMessages.requestId })
      .from(inboundMessages)
      .where(and(eq(inboundMessages.projectId, project.id), inArray(inboundMessages.messageId, threadIds)))
      .limit(1);
    if (received?.requestId) return received.requestId;
    const [sent] = await db
      .select({ requestId: outboundMessages.requestId })
      .from(outboundMessages)
      .innerJoin(requests, eq(requests.id, outboundMessages.requestId))
      .where(and(eq(requests.projectId, project.id), inArray(outboundMessages.messageId, threadIds)))
      .limit(1);
    if (sent) return sent.requestId;
    for (const messageId of threadIds) {
      const requestId = requestIdFromIntakeMessageId(messageId);
      if (!requestId) continue;
      const [request] = await db
        .select({ id: requests.id })
        .from(requests)
        .where(and(eq(requests.id, requestId), eq(requests.projectId, project.id)));
      if (request) return request.id;
    }
  }
  return null;
}
