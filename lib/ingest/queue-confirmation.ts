import { and, count, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { outboundMessages } from '@/db/schema';
import { getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import type { ParsedEmail } from '@/lib/email/parsed-email';
import { type OutboundRequest, queueOutboundMessage } from '@/lib/outbound/queue-outbound-message';

/** RFC 3834: automatic answers go to the Return-Path (never a null one; those were ignored as bounces). */
function confirmationAddress(email: ParsedEmail): string {
  const returnPath = /<([^<>\s]+@[^<>\s]+)>/.exec(email.headers.returnPath ?? '')?.[1];
  return (returnPath ?? email.from!.address).toLowerCase();
}

/**
 * How many more confirmations a mailbox may send this hour. Senders can rotate addresses, so
 * the per-sender limit alone would let anyone turn the company mailbox into a spam cannon.
 */
export async function confirmationsLeft(tx: Queryable, mailboxId: string): Promise<{ left: number }> {
  const [row] = await tx
    .select({ sent: count() })
    .from(outboundMessages)
    .where(
      and(eq(outboundMessages.mailboxId, mailboxId), eq(outboundMessages.kind, 'confirmation'), gt(outboundMessages.createdAt, sql`now() - interval '1 hour'`)),
    );
  return { left: Math.max(0, getEnv().INTAKE_CONFIRMATIONS_PER_HOUR - (row?.sent ?? 0)) };
}

/**
 * Tells the sender their email became a request, in the transaction that filed it, while the
 * mailbox's hourly budget lasts; the request is filed either way. The request is given as
 * stored: its summary, not the raw subject, heads the confirmation.
 */
export async function queueConfirmation(tx: Queryable, request: OutboundRequest, email: ParsedEmail, budget: { left: number }): Promise<void> {
  if (budget.left <= 0) {
    log.warn('confirmation.skipped', {
      mailboxId: request.mailboxId,
      requestId: request.id,
      reason: 'mailbox_hourly_limit',
      limit: getEnv().INTAKE_CONFIRMATIONS_PER_HOUR,
    });
    return;
  }
  budget.left -= 1;
  await queueOutboundMessage(tx, { request, commentId: null, kind: 'confirmation', recipients: [confirmationAddress(email)] });
}
