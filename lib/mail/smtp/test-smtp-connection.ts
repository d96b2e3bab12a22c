import type { ConnectionStep } from '@/lib/mail/test-mail-connection';
import { describeSmtpFailure } from './describe-smtp-failure';
import { type SmtpEndpoint, type SmtpLogin, openSmtpTransport } from './smtp-transport';

/**
 * Connects to the SMTP server replies go out through and signs in, without sending anything,
 * so a wrong port or a missing send permission shows up before a customer waits for an answer.
 */
export async function testSmtpConnection(endpoint: SmtpEndpoint, login: SmtpLogin): Promise<ConnectionStep> {
  let transport: Awaited<ReturnType<typeof openSmtpTransport>> | undefined;
  try {
    transport = await openSmtpTransport(endpoint, login);
    await transport.verify();
    const mechanism = login.credential.kind === 'oauth' ? 'OAuth 2.0' : 'password';
    return {
      step: 'Outgoing mail (SMTP)',
      ok: true,
      detail: `Signed in to ${endpoint.host}:${endpoint.port} as ${login.username} with ${mechanism}${endpoint.security === 'starttls' ? ' after STARTTLS' : ' over TLS'}; replies can be sent.`,
    };
  } catch (error) {
    return { step: 'Outgoing mail (SMTP)', ok: false, detail: describeSmtpFailure(error, endpoint, login.credential.kind) };
  } finally {
    transport?.close();
  }
}
