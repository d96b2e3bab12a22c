import { and, eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes, outboundMessages } from '@/db/schema';
import { intakeMessageId } from '@/lib/mail/intake-message-id';
import { listOwnAddresses } from '@/lib/mailboxes/list-own-addresses';

export interface OutboundRequest {
  id: string;
  key: string;
  summary: string;
  projectId: string;
  mailboxId: string | null;
}

/** `[SD-12] Printer on fire`: the key in brackets keeps replies threaded even without headers. */
export function outboundSubject(kind: 'reply' | 'confirmation', request: Pick<OutboundRequest, 'key' | 'summary'>): string {
  const summary = request.summary
    .replace(/^((re|fwd?|aw|sv|wg)\s*:\s*)+/i, '')
    .replace(`[${request.key}]`, '')
    .trim();
  return `${kind === 'reply' ? 'Re: ' : ''}[${request.key}] ${summary}`;
}

/**
 * Queues an email to customers in the caller's transaction, so the comment and its delivery
 * commit together; the sender job delivers it with retries. Intake's own addresses are never
 * recipients. Returns null when there is nothing to send or no mailbox to send from.
 */
export async function queueOutboundMessage(
  tx: Queryable,
  { request, commentId, kind, recipients }: { request: OutboundRequest; commentId: string | null; kind: 'reply' | 'confirmation'; recipients: string[] },
): Promise<string | null> {
  const [mailbox] = request.mailboxId
    ? await tx.select().from(mailboxes).where(eq(mailboxes.id, request.mailboxId))
    : await tx
        .select()
        .from(mailboxes)
        .where(and(eq(mailboxes.projectId, request.projectId), eq(mailboxes.kind, 'channel')));
  if (!mailbox) return null;
  const own = await listOwnAddresses(tx);
  const to = [...new Set(recipients.map((address) => address.toLowerCase()))].filter((address) => !own.has(address));
  if (to.length === 0) return null;
  const [row] = await tx
    .insert(outboundMessages)
    .values({
      requestId: request.id,
      commentId,
      mailboxId: mailbox.id,
      kind,
      messageId: intakeMessageId(request.id, mailbox.emailAddress.split('@')[1]!),
      recipients: to,
      subject: outboundSubject(kind, request),
    })
    .returning({ id: outboundMessages.id });
  return row!.id;
}
