import type { Queryable } from '@/db/client';
import { describeSmtpFailure } from '@/lib/mail/smtp/describe-smtp-failure';
import { openSmtpTransport } from '@/lib/mail/smtp/smtp-transport';
import { type OutgoingMailConnection, storedOutgoingMailConnection } from './outgoing-mail-server';

export interface SystemEmail {
  to: string[];
  subject: string;
  text: string;
  /** Without angle brackets; nodemailer makes one up when absent. */
  messageId?: string;
  replyTo?: string;
}

export type SystemEmailOutcome = { outcome: 'sent' } | { outcome: 'notifications_off' } | { outcome: 'failed'; problem: string };

/**
 * Sends one email of Intake's own through the outgoing mail server. It is marked as machine-made
 * (RFC 3834), so no out-of-office answers it and, should it ever land in a channel's mailbox,
 * classifyAutomatedMail ignores it instead of filing it as a request.
 */
export async function sendThroughOutgoingMail(connection: OutgoingMailConnection, email: SystemEmail): Promise<void> {
  const transport = await openSmtpTransport(connection.endpoint, connection.login);
  try {
    await transport.sendMail({
      from: { name: 'Intake', address: connection.fromAddress },
      to: email.to,
      subject: email.subject,
      text: email.text,
      ...(email.messageId ? { messageId: `<${email.messageId}>` } : {}),
      ...(email.replyTo ? { replyTo: email.replyTo } : {}),
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    });
  } finally {
    transport.close();
  }
}

/** Sends through the stored outgoing mail server; without one nothing is sent and the caller is told. */
export async function sendSystemEmail(db: Queryable, email: SystemEmail): Promise<SystemEmailOutcome> {
  const connection = await storedOutgoingMailConnection(db);
  if (!connection) return { outcome: 'notifications_off' };
  try {
    await sendThroughOutgoingMail(connection, email);
    return { outcome: 'sent' };
  } catch (error) {
    return { outcome: 'failed', problem: describeSmtpFailure(error, connection.endpoint) };
  }
}
