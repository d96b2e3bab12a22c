import type { Queryable } from '@/db/client';
import type { ParsedEmail } from '@/lib/email/parsed-email';
import { type OutboundRequest, queueOutboundMessage } from '@/lib/outbound/queue-outbound-message';

/** RFC 3834: automatic answers go to the Return-Path (never a null one; those were ignored as bounces). */
function confirmationAddress(email: ParsedEmail): string {
  const returnPath = /<([^<>\s]+@[^<>\s]+)>/.exec(email.headers.returnPath ?? '')?.[1];
  return (returnPath ?? email.from!.address).toLowerCase();
}

/**
 * Tells the sender their email became a request, in the transaction that filed it. The
 * request is given as stored: its summary, not the raw subject, heads the confirmation.
 */
export async function queueConfirmation(tx: Queryable, request: OutboundRequest, email: ParsedEmail): Promise<void> {
  await queueOutboundMessage(tx, { request, commentId: null, kind: 'confirmation', recipients: [confirmationAddress(email)] });
}
