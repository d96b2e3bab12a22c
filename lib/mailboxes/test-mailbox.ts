import type { DatabaseHandle } from '@/db/client';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { MailConnectionError } from '@/lib/mail/mail-error';
import { testSmtpConnection } from '@/lib/mail/smtp/test-smtp-connection';
import { type ConnectionStep, type ConnectionTestResult, testMailConnection } from '@/lib/mail/test-mail-connection';
import type { MailServerSettings } from '@/lib/mail/mail-settings';
import { assertIntegrationMailHosts } from '@/lib/oauth/integration-mail-hosts';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import { type SmtpFields, smtpEndpointOf } from '@/lib/outbound/smtp-endpoint';
import { parseInput } from '@/lib/validation';
import { loadMailboxForAdmin, type MailboxRow } from './mailbox-access';
import {
  auditStoredCredentialUse,
  mailServerSettingsOf,
  PASSWORD_AGAIN,
  reachesStoredServer,
  smtpColumnsOf,
  smtpLoginOf,
  storedMailServerSettings,
} from './mailbox-connection';
import { mailboxSettingsSchema } from './mailbox-schema';
import { type MailboxStatus, setMailboxStatus } from './mailbox-status';
import { resolveMailboxOwner, type MailboxScope } from './mailbox-target';

/** The incoming test decides the mailbox's health; the outgoing one only informs, since reading mail does not need it. */
export type MailboxTestResult = ConnectionTestResult & { outgoing?: ConnectionStep };

type Sending = Pick<MailboxRow, 'access' | 'authorizedEmail' | 'emailAddress'>;

/** Once the mailbox can be read, whether replies can be sent through it too, from its address. */
async function withOutgoing(
  database: DatabaseHandle,
  test: ConnectionTestResult,
  smtp: SmtpFields,
  login: MailServerSettings,
  sending: Sending,
): Promise<MailboxTestResult> {
  if (!test.ok) return test;
  return { ...test, outgoing: await testSmtpConnection(await smtpEndpointOf(database, smtp), smtpLoginOf(login, sending), sending.emailAddress) };
}

/** A test that could not even get credentials (the grant is gone) is reported like a failed step. */
function credentialFailure(error: OAuthFailure): ConnectionTestResult {
  return {
    ok: false,
    steps: [{ step: 'Authenticate', ok: false, detail: error.message }],
    error: new MailConnectionError('auth', error.message),
  };
}

/** The status a stored mailbox should have after a connection test. */
export function statusAfterTest(mailbox: Pick<MailboxRow, 'status' | 'authMethod'>, test: ConnectionTestResult): MailboxStatus {
  if (mailbox.status === 'disabled') return 'disabled';
  if (test.ok) return 'active';
  return test.error?.kind === 'auth' && mailbox.authMethod === 'oauth' ? 'needs_reauthorization' : 'failing';
}

/**
 * Tests a saved mailbox with its stored credentials and records the result as its health;
 * with `outgoing`, also signs in to its SMTP server.
 */
export async function testMailbox({
  database,
  actor,
  mailboxId,
  outgoing = false,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  mailboxId: string;
  outgoing?: boolean;
}): Promise<MailboxTestResult> {
  const mailbox = await loadMailboxForAdmin(database.db, actor, mailboxId);
  let test: MailboxTestResult;
  try {
    const settings = await storedMailServerSettings(database, mailbox);
    test = await testMailConnection(settings);
    if (outgoing) test = await withOutgoing(database, test, mailbox, settings, mailbox);
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error;
    test = credentialFailure(error);
  }
  const failed = test.steps.find((step) => !step.ok);
  const status = statusAfterTest(mailbox, test);
  await setMailboxStatus(database.db, mailbox.id, status, failed ? `${failed.step}: ${failed.detail}` : null);
  await recordAudit(database.db, {
    actor,
    action: 'mailbox.test',
    targetType: mailbox.kind === 'channel' ? 'email_channel' : 'mail_server',
    targetId: mailbox.id,
    details: { ok: test.ok },
  });
  return test;
}

/**
 * Tests typed-in settings before they are saved: with the typed password, or with the
 * stored credential of the mailbox being edited when the password is left empty or the
 * mailbox is already authorized through the same integration.
 */
export async function testMailboxSettings({
  database,
  actor,
  scope,
  mailboxId,
  input,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  scope: MailboxScope;
  mailboxId?: string;
  input: unknown;
}): Promise<MailboxTestResult> {
  const existing = mailboxId ? await loadMailboxForAdmin(database.db, actor, mailboxId) : undefined;
  if (!existing) await resolveMailboxOwner(database.db, actor, scope, input);
  const settings = parseInput(mailboxSettingsSchema, input);
  const sameServer = existing !== undefined && reachesStoredServer(existing, settings);
  const sameAuthorization =
    sameServer && existing?.authMethod === 'oauth' && existing.integrationId === settings.authentication && existing.emailAddress === settings.emailAddress;
  const sameServerPassword = sameServer && existing?.authMethod === 'password' && settings.authentication === 'password' && !settings.password;
  const smtp = { host: settings.host, integrationId: settings.authentication === 'password' ? null : settings.authentication, ...smtpColumnsOf(settings) };
  const sending = { ...settings, authorizedEmail: existing?.authorizedEmail ?? null };
  const testBoth = async (login: MailServerSettings) => withOutgoing(database, await testMailConnection(login), smtp, login, sending);
  if (settings.authentication !== 'password')
    await assertIntegrationMailHosts(database, settings.authentication, { host: settings.host, smtpHost: (await smtpEndpointOf(database, smtp)).host });
  if (settings.authentication === 'password' && !sameServerPassword) {
    if (!settings.password)
      throw ValidationError.field('password', existing?.authMethod === 'password' ? PASSWORD_AGAIN : 'Enter the password to test the connection.');
    return testBoth(mailServerSettingsOf(settings, { kind: 'password', password: settings.password }));
  }
  if (!existing || (!sameAuthorization && !sameServerPassword)) {
    throw new MailConnectionError(
      'auth',
      existing && !sameServer
        ? 'The server settings changed, so the stored authorization is not sent there: use Save and authorize to sign in again.'
        : 'An OAuth 2.0 mailbox is tested right after you authorize it: use Save and authorize.',
    );
  }
  let test: MailboxTestResult;
  try {
    const stored = await storedMailServerSettings(database, existing);
    test = await testBoth(mailServerSettingsOf(settings, stored.credential));
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error;
    test = credentialFailure(error);
  }
  await auditStoredCredentialUse(database, actor, existing, settings, test.ok);
  return test;
}
