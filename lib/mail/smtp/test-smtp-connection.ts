import type { ConnectionStep } from '@/lib/mail/test-mail-connection';
import { describeSmtpFailure } from './describe-smtp-failure';
import { type SmtpEndpoint, type SmtpLogin, openSmtpTransport } from './smtp-transport';

/**
 * Connects to the SMTP server replies go out through and signs in, without sending anything,
 * so a wrong port or a missing send permission shows up before a customer waits for an answer.
 * Whether the login may send as another address (`sender`) only the first send can tell:
 * Exchange refuses a missing Send As after the message, not at MAIL FROM.
 */
export async function testSmtpConnection(endpoint: SmtpEndpoint, login: SmtpLogin, sender: string = login.username): Promise<ConnectionStep> {
  let transport: Awaited<ReturnType<typeof openSmtpTransport>> | undefined;
  try {
    transport = await openSmtpTransport(endpoint, login);
    await transport.verify();
    const mechanism = login.credential.kind === 'oauth' ? 'OAuth 2.0' : 'password';
    return {
      step: 'Outgoing mail (SMTP)',
      ok: true,
      detail: `Signed in to ${endpoint.host}:${endpoint.port} as ${login.username} with ${mechanism}${endpoint.security === 'starttls' ? ' after STARTTLS' : ' over TLS'}; ${
        sender === login.username
          ? 'replies can be sent.'
          : `replies are sent as ${sender}, which ${login.username} needs permission for (Send As in Microsoft 365, “Send mail as” in Gmail).`
      }`,
    };
  } catch (error) {
    return { step: 'Outgoing mail (SMTP)', ok: false, detail: describeSmtpFailure(error, endpoint, login.credential.kind) };
  } finally {
    transport?.close();
  }
}
