import { describeFailure } from '@/lib/runtime/describe-failure';

/** What nodemailer puts on its errors. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/**
 * A failed send in words a project admin can act on: the server it went to, and the setting
 * under *Outgoing mail (SMTP)* to change. The common mistake is a port whose security differs
 * from the one chosen: TLS on a STARTTLS port never gets a greeting, STARTTLS on a TLS port
 * reads TLS bytes as one.
 */
export function describeSmtpFailure(
  error: unknown,
  endpoint: { host: string; port: number; security: 'tls' | 'starttls' },
  credential: 'oauth' | 'password' = 'password',
  /** Who signed in, and the address the mail was sent as, when they differ (shared mailboxes, aliases). */
  sendingAs?: { login: string; sender: string },
): string {
  const server = `The SMTP server ${endpoint.host}:${endpoint.port}`;
  const { code, responseCode, message = '', response = '' } = (error ?? {}) as SmtpError;
  // Exchange answers a missing Send As with 5.2.252 after the message; other servers refuse the sender at MAIL FROM.
  if (
    sendingAs &&
    (/\b5\.2\.252\b|SendAsDenied/i.test(response) || (code === 'EENVELOPE' && responseCode !== undefined && [550, 553].includes(responseCode)))
  ) {
    return `${server} did not let ${sendingAs.login} send as ${sendingAs.sender} (${responseCode ?? code}). In the Exchange admin center, under Recipients › Mailboxes › ${sendingAs.sender} › Delegation, give ${sendingAs.login} Send As; for a Gmail alias, add ${sendingAs.sender} under Settings › Accounts › Send mail as. Reading mail is not affected; the reply is tried again.`;
  }
  if (code === 'ETIMEDOUT' && /greeting never received/i.test(message)) {
    return endpoint.security === 'starttls'
      ? `${server} sent no greeting. If it expects TLS from the start (as port 465 does), set SMTP security to TLS under Outgoing mail (SMTP).`
      : `${server} sent no greeting over TLS. Check the SMTP host and port under Outgoing mail (SMTP).`;
  }
  if (code === 'ESOCKET' && /wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return `${server} does not speak TLS from the start. If it expects STARTTLS (as port 587 does), set SMTP security to STARTTLS under Outgoing mail (SMTP).`;
  }
  if (code === 'ECONNECTION' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(message)) {
    return `${server} cannot be reached (${describeFailure(error)}). Check the SMTP host and port under Outgoing mail (SMTP).`;
  }
  if (code === 'EAUTH') {
    const refused = `${server} refused the login${responseCode ? ` (${responseCode})` : ''}: ${describeFailure(error)}`;
    // Reading mail works with these tokens, so a refusal here is almost always a missing send permission.
    return credential === 'oauth'
      ? `${refused}. The authorization may not allow sending: check that the integration's Scopes include it (Google: https://mail.google.com/, Microsoft: https://outlook.office.com/SMTP.Send and Authenticated SMTP enabled for the mailbox), then Authorize again.`
      : refused;
  }
  return `${server}: ${describeFailure(error)}`;
}
