import nodemailer from 'nodemailer';
import { MAIL_TIMEOUTS, type MailServerSettings } from '@/lib/mail/mail-settings';
import { resolveMailHost } from '@/lib/mail/resolve-mail-host';

export interface SmtpEndpoint {
  host: string;
  port: number;
  security: 'tls' | 'starttls';
}

/** Who signs in to the SMTP server: the mailbox's own login, the same one its IMAP/POP3 side uses. */
export type SmtpLogin = Pick<MailServerSettings, 'username' | 'credential'>;

/**
 * A transport that always encrypts, verifies the certificate, and gives up on a silent server.
 * It connects to the address resolveMailHost checked; the name is what the certificate must carry.
 */
export async function openSmtpTransport({ host, port, security }: SmtpEndpoint, { username, credential }: SmtpLogin) {
  const target = await resolveMailHost(host);
  return nodemailer.createTransport({
    host: target.address,
    tls: { servername: target.servername },
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    auth: credential.kind === 'oauth' ? { type: 'OAuth2', user: username, accessToken: credential.accessToken } : { user: username, pass: credential.password },
    connectionTimeout: MAIL_TIMEOUTS.connectMs,
    greetingTimeout: MAIL_TIMEOUTS.greetingMs,
    socketTimeout: MAIL_TIMEOUTS.commandMs,
  });
}
