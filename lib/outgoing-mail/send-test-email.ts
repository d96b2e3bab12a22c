import type { DatabaseHandle } from '@/db/client';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { describeSmtpFailure } from '@/lib/mail/smtp/describe-smtp-failure';
import { openSmtpTransport } from '@/lib/mail/smtp/smtp-transport';
import { resolveMailHost } from '@/lib/mail/resolve-mail-host';
import type { ConnectionStep } from '@/lib/mail/test-mail-connection';
import { parseInput } from '@/lib/validation';
import { testEmailSchema } from './outgoing-mail-schema';
import { connectionOf, credentialFor, loadOutgoingMailServer, type OutgoingMailConnection } from './outgoing-mail-server';
import { sendThroughOutgoingMail } from './send-system-email';

export interface OutgoingMailStep extends Omit<ConnectionStep, 'step'> {
  step: 'Resolve' | 'Sign in' | 'Send test email';
}

export interface OutgoingMailTestResult {
  ok: boolean;
  steps: OutgoingMailStep[];
}

/**
 * Checks outgoing mail step by step — resolve, sign in, send — and stops at the first failure
 * with the reason in words. Only a host resolveMailHost allows is connected to.
 */
export async function checkOutgoingMail(connection: OutgoingMailConnection, sendTo: string | null): Promise<OutgoingMailTestResult> {
  const steps: OutgoingMailStep[] = [];
  const { endpoint, login } = connection;
  try {
    const target = await resolveMailHost(endpoint.host);
    steps.push({
      step: 'Resolve',
      ok: true,
      detail: target.address === target.host ? `${endpoint.host} is an address.` : `${endpoint.host} is ${target.address}.`,
    });
  } catch (error) {
    steps.push({ step: 'Resolve', ok: false, detail: describeSmtpFailure(error, endpoint, login.credential.kind) });
    return { ok: false, steps };
  }
  let transport: Awaited<ReturnType<typeof openSmtpTransport>> | undefined;
  try {
    transport = await openSmtpTransport(endpoint, login);
    await transport.verify();
    steps.push({
      step: 'Sign in',
      ok: true,
      detail: `Signed in to ${endpoint.host}:${endpoint.port} as ${login.username}${login.credential.kind === 'oauth' ? ' with OAuth 2.0' : ''}${endpoint.security === 'starttls' ? ' after STARTTLS' : ' over TLS'}.`,
    });
  } catch (error) {
    steps.push({ step: 'Sign in', ok: false, detail: describeSmtpFailure(error, endpoint, login.credential.kind) });
    return { ok: false, steps };
  } finally {
    transport?.close();
  }
  if (sendTo === null) return { ok: true, steps };
  try {
    await sendThroughOutgoingMail(connection, {
      to: [sendTo],
      subject: 'Intake test email',
      text: `This is a test email from Intake. Alerts and notifications will go out through ${endpoint.host}:${endpoint.port} from ${connection.fromAddress}.`,
    });
    steps.push({ step: 'Send test email', ok: true, detail: `${endpoint.host} accepted an email from ${connection.fromAddress} to ${sendTo}.` });
    return { ok: true, steps };
  } catch (error) {
    steps.push({ step: 'Send test email', ok: false, detail: describeSmtpFailure(error, endpoint, login.credential.kind) });
    return { ok: false, steps };
  }
}

/**
 * Send test email: the typed settings (with the stored password or grant if they still reach its server)
 * send one email to the address the admin chose, nothing is saved.
 */
export async function sendTestEmail({
  database,
  actor,
  input,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  input: unknown;
}): Promise<OutgoingMailTestResult> {
  requireSystemAdmin(actor);
  const { sendTo, ...settings } = parseInput(testEmailSchema, input);
  const stored = await loadOutgoingMailServer(database.db);
  const { credential, reusesStored } = await credentialFor(database, stored, settings);
  const result = await checkOutgoingMail(connectionOf(settings, credential), sendTo);
  await recordAudit(database.db, {
    actor,
    action: 'outgoing_mail.test',
    targetType: 'outgoing_mail_server',
    targetId: 'system',
    details: { ok: result.ok, host: settings.host, port: settings.port, sendTo, storedCredential: reusesStored },
  });
  return result;
}
