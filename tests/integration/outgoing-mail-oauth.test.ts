import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outgoingMailServer } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { deleteIntegration } from '@/lib/oauth/delete-integration';
import { getAuthorizationOutcome } from '@/lib/oauth/get-authorization-outcome';
import { getOutgoingMailServer, notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { reauthorizeOutgoingMail } from '@/lib/outgoing-mail/reauthorize-outgoing-mail';
import { type SaveOutgoingMailResult, saveOutgoingMailServer } from '@/lib/outgoing-mail/save-outgoing-mail-server';
import { AUTHORIZE_OUTGOING_MAIL_AGAIN, sendSystemEmail } from '@/lib/outgoing-mail/send-system-email';
import { sendTestEmail } from '@/lib/outgoing-mail/send-test-email';
import { AUTHORIZE_AGAIN, AUTHORIZE_FIRST } from '@/lib/outgoing-mail/outgoing-mail-server';
import type { StartedAuthorization } from '@/lib/oauth/start-authorization';
import { finishAuthorization } from '../support/channels';
import { setupIntegration } from '../support/integration-context';
import { createHarnessIntegration } from '../support/oauth-flow';

// Outgoing mail signing in with OAuth 2.0 (SASL XOAUTH2) through the harness provider and its
// submission server, which only lets an account send from its own address.

const context = setupIntegration();
const DOMAIN = 'outgoing-oauth.test';
const SENDER = `intake-alerts@${DOMAIN}`;
const COLLEAGUE = `colleague@${DOMAIN}`;
const RECIPIENT = 'outgoing-oauth-admin@example.test';
let integration: Awaited<ReturnType<typeof createHarnessIntegration>>;

const typed = (overrides: Record<string, string> = {}) => ({
  host: context.harness.host,
  port: String(context.harness.smtp.starttlsPort),
  security: 'starttls',
  authentication: integration.integrationId,
  username: SENDER,
  fromAddress: SENDER,
  ...overrides,
});

function authorizationOf(result: SaveOutgoingMailResult): StartedAuthorization {
  expect(result.outcome).toBe('authorize');
  return (result as Extract<SaveOutgoingMailResult, { outcome: 'authorize' }>).authorization;
}

const signInAs = (started: StartedAuthorization, email: string) =>
  finishAuthorization(context.harness, context.database, context.admin, started, integration, email);

const storedRow = async () => (await context.database.db.select().from(outgoingMailServer))[0];

beforeAll(async () => {
  await context.harness.addUsers([
    { email: SENDER, password: 'intake-alerts-secret' },
    { email: COLLEAGUE, password: 'colleague-secret' },
    { email: RECIPIENT, password: 'outgoing-oauth-admin-secret' },
  ]);
  integration = await createHarnessIntegration(context.database.db, context.admin, context.harness, { domains: [DOMAIN] });
});

describe('outgoing mail with OAuth 2.0', { timeout: 90_000 }, () => {
  it('is saved only once the named account authorized and the SMTP server accepted its token', async () => {
    const { database, admin, harness } = context;
    await expect(saveOutgoingMailServer({ database, actor: admin, input: typed({ username: 'someone@elsewhere.test' }) })).rejects.toMatchObject({
      fieldErrors: { username: [expect.stringContaining(`may authorize only accounts at ${DOMAIN}`)] },
    });
    await expect(sendTestEmail({ database, actor: admin, input: { ...typed(), sendTo: RECIPIENT } })).rejects.toMatchObject({
      fieldErrors: { authentication: [AUTHORIZE_FIRST] },
    });

    const first = authorizationOf(await saveOutgoingMailServer({ database, actor: admin, input: typed() }));
    expect(new URL(first.url).searchParams.get('login_hint')).toBe(SENDER);
    const wrongAccount = await signInAs(first, COLLEAGUE);
    expect(wrongAccount).toMatchObject({ ok: false, returnTo: '/admin/system/outgoing-mail' });
    expect(wrongAccount.message).toBe(
      `You signed in as ${COLLEAGUE}, but outgoing mail signs in as ${SENDER}. Sign in to the provider as ${SENDER}, or change the Username. Nothing was saved.`,
    );
    expect(await notificationsAreOn(database.db)).toBe(false);
    // The page the flow returns to gets back what the form held.
    const refused = await getAuthorizationOutcome({ db: database.db, actor: admin, authorizationId: wrongAccount.authorizationId! });
    expect(refused?.draft).toMatchObject({ username: SENDER, host: harness.host, authentication: integration.integrationId });

    const second = authorizationOf(await saveOutgoingMailServer({ database, actor: admin, input: typed() }));
    const authorized = await signInAs(second, SENDER);
    expect(authorized.message).toBe(
      `Outgoing mail server saved: Intake signs in to ${harness.host} as ${SENDER} with OAuth 2.0. Alerts and notifications go out through it.`,
    );
    expect(authorized.ok).toBe(true);
    const row = await storedRow();
    expect(row).toMatchObject({ authMethod: 'oauth', password: null, integrationId: integration.integrationId, authorizedEmail: SENDER, status: 'active' });
    expect(getSecretBox().open(row!.accessToken!, SECRET_PURPOSE.outgoingMailAccessToken)).toBeTruthy();
    const shown = await getOutgoingMailServer({ db: database.db, actor: admin });
    expect(JSON.stringify(shown)).not.toContain(row!.accessToken!);
    expect(JSON.stringify(shown)).not.toContain(row!.refreshToken!);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.targetType, 'outgoing_mail_server'));
    expect(audit.map((entry) => entry.action)).toContain('outgoing_mail.create');

    expect(await sendSystemEmail(database, { to: [RECIPIENT], subject: 'Through OAuth 2.0', text: 'Hello' })).toEqual({ outcome: 'sent' });
    const [sent] = await harness.sentMessages({ to: RECIPIENT });
    expect(sent).toMatchObject({ from: SENDER, authUser: SENDER });

    const test = await sendTestEmail({ database, actor: admin, input: { ...typed(), sendTo: RECIPIENT } });
    expect(test.steps.map((step) => [step.step, step.ok])).toEqual([
      ['Resolve', true],
      ['Sign in', true],
      ['Send test email', true],
    ]);
    expect(test.steps[1]!.detail).toBe(`Signed in to ${harness.host}:${harness.smtp.starttlsPort} as ${SENDER} with OAuth 2.0 after STARTTLS.`);
    // The same account and server need no new authorization; another account does.
    expect(await saveOutgoingMailServer({ database, actor: admin, input: typed() })).toMatchObject({ outcome: 'saved' });
    expect((await storedRow())!.tokenVersion).toBe(row!.tokenVersion);
    authorizationOf(await saveOutgoingMailServer({ database, actor: admin, input: typed({ username: COLLEAGUE, fromAddress: COLLEAGUE }) }));

    await expect(deleteIntegration({ db: database.db, actor: admin, integrationId: integration.integrationId })).rejects.toThrow(`${SENDER} (outgoing mail)`);
  });

  it('refreshes an expired token, and a refused grant stops system email until Authorize', async () => {
    const { database, admin, harness } = context;
    await harness.clearSentMessages();
    const expire = () => database.db.update(outgoingMailServer).set({ accessTokenExpiresAt: new Date(Date.now() - 60_000) });
    const before = (await storedRow())!;
    await expire();
    expect(await sendSystemEmail(database, { to: [RECIPIENT], subject: 'After a refresh', text: 'Hello' })).toEqual({ outcome: 'sent' });
    const refreshed = (await storedRow())!;
    expect(refreshed.tokenVersion).toBe(before.tokenVersion + 1);
    expect(refreshed.accessToken).not.toBe(before.accessToken);

    // Revoked before it expires: the SMTP server refuses the token, and a fresh one is refused too.
    await harness.revokeGrants(SENDER);
    const refused = await sendSystemEmail(database, { to: [RECIPIENT], subject: 'Nobody gets this', text: '…' });
    expect(refused).toMatchObject({ outcome: 'failed', problem: expect.stringContaining(AUTHORIZE_OUTGOING_MAIL_AGAIN) });
    expect(await storedRow()).toMatchObject({ status: 'needs_reauthorization', statusMessage: expect.stringContaining('no longer accepts') });
    // Without asking the provider again, the next email waits for the same reason.
    expect(await sendSystemEmail(database, { to: [RECIPIENT], subject: 'Nor this', text: '…' })).toMatchObject({ outcome: 'failed' });
    expect(await harness.sentMessages({ to: RECIPIENT })).toHaveLength(1);
    await expect(sendTestEmail({ database, actor: admin, input: { ...typed(), sendTo: RECIPIENT } })).rejects.toMatchObject({
      fieldErrors: { authentication: [AUTHORIZE_AGAIN] },
    });
    // Saving the same settings now asks for the authorization again.
    authorizationOf(await saveOutgoingMailServer({ database, actor: admin, input: typed() }));

    const again = await signInAs(await reauthorizeOutgoingMail({ db: database.db, actor: admin }), SENDER);
    expect(again.ok).toBe(true);
    expect(await storedRow()).toMatchObject({ status: 'active', statusMessage: null, host: harness.host, username: SENDER });
    expect(await sendSystemEmail(database, { to: [RECIPIENT], subject: 'Working again', text: 'Hello' })).toEqual({ outcome: 'sent' });
    expect(await harness.sentMessages({ to: RECIPIENT })).toHaveLength(2);
  });
});
