import type { DatabaseHandle } from '@/db/client';
import { describeSmtpFailure } from '@/lib/mail/smtp/describe-smtp-failure';
import { openSmtpTransport } from '@/lib/mail/smtp/smtp-transport';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
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

/** What a person reads when the outgoing mail server's OAuth 2.0 grant is gone. */
export const AUTHORIZE_OUTGOING_MAIL_AGAIN = 'A system admin must authorize outgoing mail again under Administration › System › Outgoing mail.';

async function sendThroughStored(database: DatabaseHandle, email: SystemEmail, forceRefresh: boolean): Promise<SystemEmailOutcome> {
  let connection: OutgoingMailConnection | null;
  try {
    connection = await storedOutgoingMailConnection(database, forceRefresh);
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error;
    return { outcome: 'failed', problem: error.kind === 'needs_reauthorization' ? `${error.problem}. ${AUTHORIZE_OUTGOING_MAIL_AGAIN}` : error.message };
  }
  if (!connection) return { outcome: 'notifications_off' };
  const credential = connection.login.credential.kind;
  try {
    await sendThroughOutgoingMail(connection, email);
    return { outcome: 'sent' };
  } catch (error) {
    // A token revoked before its expiry is refused at sign-in: a fresh one tells whether the grant itself is gone.
    if (credential === 'oauth' && !forceRefresh && (error as { code?: string }).code === 'EAUTH') return sendThroughStored(database, email, true);
    return { outcome: 'failed', problem: describeSmtpFailure(error, connection.endpoint, credential) };
  }
}

/** Sends through the stored outgoing mail server; without one nothing is sent and the caller is told. */
export function sendSystemEmail(database: DatabaseHandle, email: SystemEmail): Promise<SystemEmailOutcome> {
  return sendThroughStored(database, email, false);
}
