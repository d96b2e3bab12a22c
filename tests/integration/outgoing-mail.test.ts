import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outgoingMailServer } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { classifyAutomatedMail } from '@/lib/email/classify-automated-mail';
import { parseEmail } from '@/lib/email/parse-email';
import { PASSWORD_AGAIN } from '@/lib/mailboxes/mailbox-connection';
import { getOutgoingMailServer, notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { saveOutgoingMailServer } from '@/lib/outgoing-mail/save-outgoing-mail-server';
import { sendTestEmail } from '@/lib/outgoing-mail/send-test-email';
import { sendSystemEmail } from '@/lib/outgoing-mail/send-system-email';
import { seedUser } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';

// The system's own SMTP server, against the harness's submission server (which only lets a
// signed-in user send from their own address).

const context = setupIntegration();
const SENDER = 'outgoing-system@acme.test';
const SENDER_PASSWORD = 'outgoing-system-secret';
const RECIPIENT = 'outgoing-admin@example.test';

const typed = (overrides: Record<string, string> = {}) => ({
  host: context.harness.host,
  port: String(context.harness.smtp.starttlsPort),
  security: 'starttls',
  username: SENDER,
  password: SENDER_PASSWORD,
  fromAddress: SENDER,
  sendTo: RECIPIENT,
  ...overrides,
});

beforeAll(async () => {
  await context.harness.addUsers([
    { email: SENDER, password: SENDER_PASSWORD },
    { email: RECIPIENT, password: 'outgoing-admin-secret' },
  ]);
});

describe('outgoing mail server', { timeout: 60_000 }, () => {
  it('says notifications are off and sends nothing while no server is set up', async () => {
    const { database, admin } = context;
    expect(await notificationsAreOn(database.db)).toBe(false);
    expect(await getOutgoingMailServer({ db: database.db, actor: admin })).toBeNull();
    expect(await sendSystemEmail(database, { to: [RECIPIENT], subject: 'Nobody gets this', text: '…' })).toEqual({ outcome: 'notifications_off' });
    expect(await context.harness.sentMessages({ to: RECIPIENT })).toHaveLength(0);
  });

  it('Send test email shows each step and delivers an email marked as machine-made', async () => {
    const { database, admin, harness } = context;
    const result = await sendTestEmail({ database, actor: admin, input: typed() });
    expect(result.steps.map((step) => [step.step, step.ok])).toEqual([
      ['Resolve', true],
      ['Sign in', true],
      ['Send test email', true],
    ]);
    expect(result.steps[1]!.detail).toBe(`Signed in to ${harness.host}:${harness.smtp.starttlsPort} as ${SENDER} after STARTTLS.`);
    const [sent] = await harness.sentMessages({ to: RECIPIENT });
    expect(sent).toMatchObject({ from: SENDER, to: [RECIPIENT], authUser: SENDER });
    const parsed = await parseEmail(sent!.raw);
    expect(parsed.subject).toBe('Intake test email');
    expect(classifyAutomatedMail(parsed)).toEqual({ kind: 'auto-reply', reason: 'Auto-Submitted: auto-generated' });
    // Testing saves nothing.
    expect(await notificationsAreOn(database.db)).toBe(false);
  });

  it('a wrong password stops at Sign in with the server’s refusal, and nothing is sent', async () => {
    const { database, admin, harness } = context;
    await harness.clearSentMessages();
    const result = await sendTestEmail({ database, actor: admin, input: typed({ password: 'not-the-password' }) });
    expect(result.ok).toBe(false);
    expect(result.steps.map((step) => [step.step, step.ok])).toEqual([
      ['Resolve', true],
      ['Sign in', false],
    ]);
    expect(result.steps[1]!.detail).toMatch(new RegExp(`^The SMTP server ${harness.host}:${harness.smtp.starttlsPort} refused the login \\(535\\)`));
    expect(result.steps[1]!.detail).not.toContain('not-the-password');
    expect(await harness.sentMessages({ to: RECIPIENT })).toHaveLength(0);
    expect(await saveOutgoingMailServer({ database, actor: admin, input: typed({ password: 'not-the-password' }) })).toMatchObject({
      outcome: 'sign_in_failed',
    });
    expect(await notificationsAreOn(database.db)).toBe(false);
  });

  it('a TLS setting on a STARTTLS port is explained at Sign in', async () => {
    const { database, admin } = context;
    const result = await sendTestEmail({ database, actor: admin, input: typed({ security: 'tls' }) });
    expect(result.steps.at(-1)).toMatchObject({ step: 'Sign in', ok: false, detail: expect.stringMatching(/does not speak TLS from the start/) });
  });

  it('connects to no private address that MAIL_ALLOWED_PRIVATE_HOSTS does not list', async () => {
    const { database, admin } = context;
    const result = await sendTestEmail({ database, actor: admin, input: typed({ host: '10.255.255.1' }) });
    expect(result.steps).toEqual([
      {
        step: 'Resolve',
        ok: false,
        detail: expect.stringContaining('Intake does not connect to 10.255.255.1: it is an address of this machine or a private network.'),
      },
    ]);
  });

  it('is saved with its password sealed, never shown, and only system admins may touch it', async () => {
    const { database, admin } = context;
    const agent = await seedUser(database.db, admin, 'outgoing-agent@intake.test');
    await expect(saveOutgoingMailServer({ database, actor: agent, input: typed() })).rejects.toThrow(/Only system admins/);
    await expect(sendTestEmail({ database, actor: agent, input: typed() })).rejects.toThrow(/Only system admins/);
    await expect(getOutgoingMailServer({ db: database.db, actor: agent })).rejects.toThrow(/Only system admins/);

    expect(await saveOutgoingMailServer({ database, actor: admin, input: typed() })).toMatchObject({ outcome: 'saved' });
    const [row] = await database.db.select().from(outgoingMailServer);
    expect(row!.password).not.toContain(SENDER_PASSWORD);
    expect(getSecretBox().open(row!.password!, SECRET_PURPOSE.outgoingMailPassword)).toBe(SENDER_PASSWORD);
    const shown = await getOutgoingMailServer({ db: database.db, actor: admin });
    expect(shown).toMatchObject({ host: context.harness.host, username: SENDER, fromAddress: SENDER });
    expect(JSON.stringify(shown)).not.toContain(row!.password);
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.targetType, 'outgoing_mail_server'));
    expect(JSON.stringify(audit)).not.toContain(SENDER_PASSWORD);
    expect(await notificationsAreOn(database.db)).toBe(true);
  });

  it('keeps the stored password for the same server, and asks for it again once host, port or username change', async () => {
    const { database, admin, harness } = context;
    await harness.clearSentMessages();
    const same = await sendTestEmail({ database, actor: admin, input: typed({ password: '' }) });
    expect(same.ok).toBe(true);
    expect(await saveOutgoingMailServer({ database, actor: admin, input: typed({ password: '' }) })).toMatchObject({ outcome: 'saved' });
    const changes: Record<string, string>[] = [
      { port: String(harness.smtp.tlsPort), security: 'tls' },
      { host: 'smtp.elsewhere.test' },
      { username: RECIPIENT },
    ];
    for (const change of changes) {
      const error = await sendTestEmail({ database, actor: admin, input: typed({ password: '', ...change }) }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ fieldErrors: { password: [PASSWORD_AGAIN] } });
      await expect(saveOutgoingMailServer({ database, actor: admin, input: typed({ password: '', ...change }) })).rejects.toMatchObject({
        fieldErrors: { password: [PASSWORD_AGAIN] },
      });
    }
    expect(await harness.sentMessages({ to: RECIPIENT })).toHaveLength(1);
    expect(await sendSystemEmail(database, { to: [RECIPIENT], subject: 'Through the stored server', text: 'Hello' })).toEqual({ outcome: 'sent' });
    expect(await harness.sentMessages({ to: RECIPIENT })).toHaveLength(2);
  });

  it('refuses per field what is not a server or an address', async () => {
    const { database, admin } = context;
    await expect(
      sendTestEmail({ database, actor: admin, input: typed({ host: '', port: '70000', fromAddress: 'nobody', sendTo: 'x' }) }),
    ).rejects.toMatchObject({
      fieldErrors: {
        host: expect.arrayContaining(['Enter the mail server’s host name.']),
        port: ['Enter a port between 1 and 65535.'],
        fromAddress: [expect.any(String)],
        sendTo: [expect.any(String)],
      },
    });
  });
});
