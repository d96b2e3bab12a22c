import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mailboxes, outboundMessages, requests } from '@/db/schema';
import { parseEmail } from '@/lib/email/parse-email';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { saveMailbox } from '@/lib/mailboxes/save-mailbox';
import { testMailbox, testMailboxSettings } from '@/lib/mailboxes/test-mailbox';
import { queueOutboundMessage } from '@/lib/outbound/queue-outbound-message';
import { resendOutboundMessage } from '@/lib/outbound/resend-outbound-message';
import { dueOutboundMessages, sendOutboundMessage } from '@/lib/outbound/send-outbound-message';
import { updateEmailSettings } from '@/lib/projects/update-email-settings';
import { addAgentComment } from '@/lib/requests/add-agent-comment';
import { requestKey } from '@/lib/requests/insert-request';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';

// Replies go out over SMTP with XOAUTH2 through the harness's submission server, which has
// both kinds of port on random numbers: security must follow the setting, not the number.

const context = setupIntegration();
const CHANNEL = 'outbound-desk@acme.test';
const CUSTOMER = 'outbound-customer@example.test';
let request: { id: string; key: string; summary: string; projectId: string; mailboxId: string | null };
let mailboxId: string;
let integrationId: string;

beforeAll(async () => {
  const { harness, database, admin } = context;
  await harness.addUsers([CHANNEL, CUSTOMER].map((email) => ({ email, password: `${email}-secret` })));
  const { project } = await seedProject(database.db, admin, 'OUT');
  const { mailbox, integration } = await connectOAuthChannel(harness, database, admin, project.id, { email: CHANNEL });
  mailboxId = mailbox.id;
  integrationId = integration.integrationId;
  await harness.deliver(CHANNEL, buildEmail({ from: `Olga Outbound <${CUSTOMER}>`, to: CHANNEL, subject: 'Where is my parcel?' }));
  await pollMailbox({ database, mailboxId, workerId: 'outbound-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });
  const [row] = await database.db.select().from(requests).where(eq(requests.projectId, project.id));
  request = { id: row!.id, key: requestKey('OUT', row!.number), summary: row!.summary, projectId: project.id, mailboxId: row!.mailboxId };
}, 60_000);

async function sendThrough(smtp: { smtpPort: number; smtpSecurity: 'tls' | 'starttls' | null }) {
  const { database, harness } = context;
  await database.db
    .update(mailboxes)
    .set({ smtpHost: harness.host, ...smtp })
    .where(eq(mailboxes.id, mailboxId));
  const outboundId = await queueOutboundMessage(database.db, { request, commentId: null, kind: 'confirmation', recipients: [CUSTOMER] });
  const outcome = await sendOutboundMessage(database, outboundId!);
  const [row] = await database.db.select().from(outboundMessages).where(eq(outboundMessages.id, outboundId!));
  return { outcome, row: row! };
}

const received = async (messageId: string) =>
  (await context.harness.listMessages(CUSTOMER)).some((message) => message.raw.toString('utf8').includes(`<${messageId}>`));

describe('outgoing mail security', { timeout: 60_000 }, () => {
  it('sends over implicit TLS on a port other than 465 when SMTP security is TLS', async () => {
    const { outcome, row } = await sendThrough({ smtpPort: context.harness.smtp.tlsPort, smtpSecurity: 'tls' });
    expect(outcome).toBe('sent');
    expect(await received(row.messageId)).toBe(true);
  });

  it('sends with STARTTLS when the setting is left to the port and the port is not 465', async () => {
    const { outcome, row } = await sendThrough({ smtpPort: context.harness.smtp.starttlsPort, smtpSecurity: null });
    expect(outcome).toBe('sent');
    expect(await received(row.messageId)).toBe(true);
  });

  it('tells the admin to choose TLS when STARTTLS meets a port that expects TLS at once, and will retry', async () => {
    const { outcome, row } = await sendThrough({ smtpPort: context.harness.smtp.tlsPort, smtpSecurity: 'starttls' });
    expect(outcome).toBe('retry');
    expect(row.status).toBe('queued');
    expect(row.lastError).toBe(
      `The SMTP server ${context.harness.host}:${context.harness.smtp.tlsPort} sent no greeting. If it expects TLS from the start (as port 465 does), set SMTP security to TLS under Outgoing mail (SMTP).`,
    );
    expect(await received(row.messageId)).toBe(false);
  });

  it('tells the admin to choose STARTTLS when TLS meets a STARTTLS port', async () => {
    const { outcome, row } = await sendThrough({ smtpPort: context.harness.smtp.starttlsPort, smtpSecurity: 'tls' });
    expect(outcome).toBe('retry');
    expect(row.lastError).toMatch(/does not speak TLS from the start\. If it expects STARTTLS \(as port 587 does\), set SMTP security to STARTTLS/);
  });

  it('goes out once the settings are fixed: saving them ends the backoff, and Send again revives an email given up', async () => {
    const { database, harness, admin } = context;
    const wrong = { smtpPort: harness.smtp.tlsPort, smtpSecurity: 'starttls' as const };
    const { row: waiting } = await sendThrough(wrong);
    expect(waiting.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
    const { row: givenUp } = await sendThrough(wrong);
    await database.db.update(outboundMessages).set({ status: 'failed' }).where(eq(outboundMessages.id, givenUp.id));
    expect(await dueOutboundMessages(database)).not.toContain(waiting.id);

    const saved = await saveMailbox({
      database,
      actor: admin,
      scope: { kind: 'channel', projectId: request.projectId },
      mailboxId,
      input: {
        emailAddress: CHANNEL,
        authentication: integrationId,
        protocol: 'imap',
        host: harness.host,
        port: String(harness.imap.tlsPort),
        security: 'tls',
        folder: 'INBOX',
        afterProcessing: 'mark_read',
        smtpHost: harness.host,
        smtpPort: String(harness.smtp.tlsPort),
        smtpSecurity: 'tls',
      },
      returnTo: '/x',
    });
    expect(saved.outcome).toBe('saved');
    const due = await dueOutboundMessages(database);
    expect(due).toContain(waiting.id);
    expect(due).not.toContain(givenUp.id);
    expect(await sendOutboundMessage(database, waiting.id)).toBe('sent');

    await resendOutboundMessage({ db: database.db, actor: admin, input: { requestId: request.id, outboundId: givenUp.id } });
    expect(await sendOutboundMessage(database, givenUp.id)).toBe('sent');
    expect(await received(givenUp.messageId)).toBe(true);
    await expect(resendOutboundMessage({ db: database.db, actor: admin, input: { requestId: request.id, outboundId: givenUp.id } })).rejects.toThrow(
      /not one that failed/,
    );
  });

  it('leaves an email alone while another worker is sending it', async () => {
    const { database, harness } = context;
    await database.db.update(mailboxes).set({ smtpHost: harness.host, smtpPort: harness.smtp.tlsPort, smtpSecurity: 'tls' }).where(eq(mailboxes.id, mailboxId));
    const outboundId = (await queueOutboundMessage(database.db, { request, commentId: null, kind: 'confirmation', recipients: [CUSTOMER] }))!;
    await database.db
      .update(outboundMessages)
      .set({ claimedUntil: new Date(Date.now() + 60_000) })
      .where(eq(outboundMessages.id, outboundId));
    expect(await dueOutboundMessages(database)).not.toContain(outboundId);
    expect(await sendOutboundMessage(database, outboundId)).toBe('skipped');
    await database.db
      .update(outboundMessages)
      .set({ claimedUntil: new Date(Date.now() - 1_000) })
      .where(eq(outboundMessages.id, outboundId));
    expect(await sendOutboundMessage(database, outboundId)).toBe('sent');
  });
});

describe('Test connection checks outgoing mail too', { timeout: 60_000 }, () => {
  const typedSettings = (smtp: { smtpPort: string; smtpSecurity: '' | 'tls' | 'starttls' }) => ({
    emailAddress: CHANNEL,
    authentication: integrationId,
    protocol: 'imap',
    host: context.harness.host,
    port: String(context.harness.imap.tlsPort),
    security: 'tls',
    folder: 'INBOX',
    afterProcessing: 'mark_read',
    smtpHost: context.harness.host,
    ...smtp,
  });

  it('signs in to the SMTP server with the mailbox token when asked, and only then', async () => {
    const { database, harness, admin } = context;
    await database.db
      .update(mailboxes)
      .set({ smtpHost: harness.host, smtpPort: harness.smtp.starttlsPort, smtpSecurity: null })
      .where(eq(mailboxes.id, mailboxId));
    const test = await testMailbox({ database, actor: admin, mailboxId, outgoing: true });
    expect(test.ok).toBe(true);
    expect(test.outgoing).toEqual({
      step: 'Outgoing mail (SMTP)',
      ok: true,
      detail: expect.stringContaining(`as ${CHANNEL} with OAuth 2.0 after STARTTLS; replies can be sent`),
    });
    expect((await testMailbox({ database, actor: admin, mailboxId })).outgoing).toBeUndefined();
  });

  it('reports typed SMTP settings that cannot work without calling the mailbox unhealthy', async () => {
    const { database, harness, admin } = context;
    const scope = { kind: 'channel' as const, projectId: request.projectId };
    const wrong = await testMailboxSettings({
      database,
      actor: admin,
      scope,
      mailboxId,
      input: typedSettings({ smtpPort: String(harness.smtp.starttlsPort), smtpSecurity: 'tls' }),
    });
    expect(wrong.ok).toBe(true);
    expect(wrong.outgoing?.ok).toBe(false);
    expect(wrong.outgoing?.detail).toMatch(/set SMTP security to STARTTLS under Outgoing mail \(SMTP\)/);
    // The token goes only to the SMTP server it was authorized for, so the right security is typed for the stored port.
    await database.db.update(mailboxes).set({ smtpPort: harness.smtp.tlsPort, smtpSecurity: 'starttls' }).where(eq(mailboxes.id, mailboxId));
    const right = await testMailboxSettings({
      database,
      actor: admin,
      scope,
      mailboxId,
      input: typedSettings({ smtpPort: String(harness.smtp.tlsPort), smtpSecurity: 'tls' }),
    });
    expect(right.outgoing?.ok).toBe(true);
    const [stored] = await database.db.select({ status: mailboxes.status }).from(mailboxes).where(eq(mailboxes.id, mailboxId));
    expect(stored!.status).toBe('active');
  });
});

describe('the project’s reply signature', { timeout: 60_000 }, () => {
  it('is added below each reply to a customer, with the agent’s and the project’s names filled in', async () => {
    const { database, harness, admin } = context;
    await database.db
      .update(mailboxes)
      .set({ smtpHost: harness.host, smtpPort: harness.smtp.starttlsPort, smtpSecurity: 'starttls' })
      .where(eq(mailboxes.id, mailboxId));
    await updateEmailSettings({
      db: database.db,
      actor: admin,
      input: {
        projectId: request.projectId,
        emailAccess: 'open',
        sendConfirmations: true,
        replySignature: 'Kind regards,\r\n{agent.name}\r\n{project.name} · Acme Ltd, Main Street 1 {unknown}\r\n\r\n',
      },
    });
    await addAgentComment({ db: database.db, actor: admin, input: { requestId: request.id, body: 'Your parcel left today.', kind: 'reply' } });
    const [outbound] = await database.db
      .select()
      .from(outboundMessages)
      .where(and(eq(outboundMessages.requestId, request.id), eq(outboundMessages.kind, 'reply')));
    expect(await sendOutboundMessage(database, outbound!.id)).toBe('sent');
    const raw = (await harness.listMessages(CUSTOMER)).find((message) => message.raw.toString('utf8').includes(`<${outbound!.messageId}>`))!.raw;
    const body = (await parseEmail(raw)).text.replace(/\r\n/g, '\n');
    expect(body).toBe(
      `Your parcel left today.\n\nKind regards,\nAda Admin\nOUT desk · Acme Ltd, Main Street 1 {unknown}\n\n-- \nOUT desk · ${request.key}\nReply to this email to add to the request; keep [${request.key}] in the subject.`,
    );
  });
});
