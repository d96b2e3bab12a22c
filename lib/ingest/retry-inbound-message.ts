import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { inboundMessages, mailboxes } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { NotFoundError, ValidationError } from '@/lib/errors';
import { loadMailboxForAdmin } from '@/lib/mailboxes/mailbox-access';
import { parseInput } from '@/lib/validation';

/** Puts a Failed message back in line; the mailbox is polled right away to process it. */
export async function retryInboundMessage({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  const { messageId } = parseInput(z.object({ messageId: z.uuid() }), input);
  const [message] = await db
    .select({
      id: inboundMessages.id,
      mailboxId: inboundMessages.mailboxId,
      status: inboundMessages.status,
      downloaded: sql<boolean>`${inboundMessages.raw} is not null`,
    })
    .from(inboundMessages)
    .where(eq(inboundMessages.id, messageId));
  if (!message?.mailboxId) throw new NotFoundError('The message');
  await loadMailboxForAdmin(db, actor, message.mailboxId);
  if (message.status !== 'failed') throw new ValidationError({}, 'Only a Failed message can be retried.');
  if (!message.downloaded) throw new ValidationError({}, 'This message was not downloaded, so it cannot be retried.');
  await db.transaction(async (tx) => {
    await tx
      .update(inboundMessages)
      .set({ status: 'pending', outcome: null, attempts: 0, nextAttemptAt: new Date(), lastError: null, serverAction: 'pending' })
      .where(and(eq(inboundMessages.id, message.id), eq(inboundMessages.status, 'failed')));
    await tx.update(mailboxes).set({ nextPollAt: new Date() }).where(eq(mailboxes.id, message.mailboxId!));
    await recordAudit(tx, { actor, action: 'inbound.retry', targetType: 'inbound_message', targetId: message.id });
  });
}
