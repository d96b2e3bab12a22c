import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminAlerts, inboundMessages, mailboxes, outboundMessages, requests } from '@/db/schema';
import { startJobRunner } from '@/jobs/runner';
import { sendAdminAlerts } from '@/lib/admin-alerts/send-admin-alerts';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { classifyAutomatedMail } from '@/lib/email/classify-automated-mail';
import { parseEmail } from '@/lib/email/parse-email';
import { getEnv } from '@/lib/env';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { queueOutboundMessage } from '@/lib/outbound/queue-outbound-message';
import { createRequestByAgent } from '@/lib/requests/create-request-by-agent';
import { requestKey } from '@/lib/requests/insert-request';
import type { SentMessage } from '../harness';
import { connectOAuthChannel } from '../support/channels';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';
import { useHarnessOutgoingMail } from '../support/outgoing-mail';

// Admin alerts run with an injected clock: "a day later" is a parameter, not a wait.

const context = setupIntegration();
const SENDER = 'alerts-system@acme.test';
const SENDER_PASSWORD = 'alerts-system-secret';
const GRACE = 15;
const minutes = (count: number) => count * 60_000;

let projectId: string;
let people: { admin: string; lead: string; agent: string; otherLead: string };
const T0 = new Date(Date.now() + minutes(60));

const run = (now: Date) => sendAdminAlerts({ database: context.database, now, graceMinutes: GRACE });
const later = (ms: number) => new Date(T0.getTime() + ms);

async function addMailbox(values: {
  emailAddress: string;
  status: 'active' | 'failing' | 'needs_reauthorization';
  statusSince: Date;
  statusMessage?: string;
  kind?: 'channel' | 'server';
}) {
  const [row] = await context.database.db
    .insert(mailboxes)
    .values({
      kind: values.kind ?? 'channel',
      name: values.kind === 'server' ? 'Shared inbox' : 'AL desk',
      projectId,
      emailAddress: values.emailAddress,
      protocol: 'imap',
      host: 'imap.alerts.test',
      port: 993,
      security: 'tls',
      afterProcessing: 'mark_read',
      authMethod: 'password',
      username: values.emailAddress,
      password: getSecretBox().seal('unused', SECRET_PURPOSE.mailboxPassword),
      status: values.status,
      statusSince: values.statusSince,
      statusMessage: values.statusMessage ?? null,
    })
    .returning({ id: mailboxes.id });
  return row!.id;
}

/** What the harness accepted from the alert sender since the last look. */
async function newAlerts(): Promise<SentMessage[]> {
  const sent = await context.harness.sentMessages({ from: SENDER });
  const fresh = sent.slice(seen);
  seen = sent.length;
  return fresh;
}
let seen = 0;
let firstAlert: SentMessage | undefined;

const textOf = async (message: SentMessage) => {
  const parsed = await parseEmail(message.raw);
  return { subject: parsed.subject, text: parsed.text ?? '', automated: classifyAutomatedMail(parsed) };
};

beforeAll(async () => {
  const { database, admin, harness } = context;
  await harness.addUsers([{ email: SENDER, password: SENDER_PASSWORD }]);
  const seeded = await seedProject(database.db, admin, 'AL');
  const other = await seedProject(database.db, admin, 'OT');
  projectId = seeded.project.id;
  people = { admin: admin.email, lead: seeded.lead.email, agent: seeded.agent.email, otherLead: other.lead.email };
});

describe('admin alerts', { timeout: 60_000 }, () => {
  let channelId: string;

  it('without an outgoing mail server they are kept, nothing is sent, and the run says notifications are off', async () => {
    channelId = await addMailbox({
      emailAddress: 'al-desk@alerts.test',
      status: 'failing',
      statusSince: later(-minutes(20)),
      statusMessage: 'The server imap.alerts.test:993 cannot be reached (ECONNREFUSED)',
    });
    expect(await run(T0)).toMatchObject({ opened: 1, sent: 0, notificationsOff: true });
    expect(await newAlerts()).toHaveLength(0);
    const [alert] = await context.database.db.select().from(adminAlerts).where(eq(adminAlerts.subjectId, channelId));
    expect(alert).toMatchObject({ reason: 'failing', notifiedAt: null, recoveredAt: null });
  });

  it('once outgoing mail is set up, one email goes to the system admins and the project’s admins only, naming the channel, the reason, the button and the page', async () => {
    await useHarnessOutgoingMail(context, { email: SENDER, password: SENDER_PASSWORD });
    expect(await run(T0)).toMatchObject({ sent: 1, failed: 0, notificationsOff: false });
    const [alert, ...more] = await newAlerts();
    expect(more).toHaveLength(0);
    firstAlert = alert;
    expect([...alert!.to].sort()).toEqual([people.admin, people.lead].sort());
    const { subject, text, automated } = await textOf(alert!);
    expect(subject).toBe('[Intake] The email channel of AL (al-desk@alerts.test) is failing');
    expect(text).toContain('Reason: The server imap.alerts.test:993 cannot be reached (ECONNREFUSED)');
    expect(text).toContain('press Test connection');
    expect(text).toContain(`${getEnv().APP_URL}/projects/AL/settings/email`);
    // Should it ever come back into a channel, it is ignored as machine-made.
    expect(automated).toEqual({ kind: 'auto-reply', reason: 'Auto-Submitted: auto-generated' });
  });

  it('sends nothing more within a day, however many workers run at once', async () => {
    await Promise.all([run(later(minutes(1))), run(later(minutes(1)))]);
    await run(later(minutes(60 * 23)));
    expect(await newAlerts()).toHaveLength(0);
  });

  it('reminds once after a day, even with two workers running together', async () => {
    const reports = await Promise.all([run(later(minutes(60 * 24 + 1))), run(later(minutes(60 * 24 + 1)))]);
    expect(reports.reduce((sum, report) => sum + report.sent, 0)).toBe(1);
    const [reminder, ...more] = await newAlerts();
    expect(more).toHaveLength(0);
    expect((await textOf(reminder!)).subject).toBe('[Intake] Reminder: The email channel of AL (al-desk@alerts.test) is failing');
    await run(later(minutes(60 * 30)));
    expect(await newAlerts()).toHaveLength(0);
  });

  it('sends one recovery note when the channel works again, and a new problem is a new alert', async () => {
    const { database } = context;
    await database.db.update(mailboxes).set({ status: 'active', statusMessage: null }).where(eq(mailboxes.id, channelId));
    await Promise.all([run(later(minutes(60 * 31))), run(later(minutes(60 * 31)))]);
    const [note, ...more] = await newAlerts();
    expect(more).toHaveLength(0);
    expect([...note!.to].sort()).toEqual([people.admin, people.lead].sort());
    expect((await textOf(note!)).subject).toBe('[Intake] The email channel of AL (al-desk@alerts.test) works again');
    await run(later(minutes(60 * 32)));
    expect(await newAlerts()).toHaveLength(0);

    await database.db
      .update(mailboxes)
      .set({ status: 'needs_reauthorization', statusSince: later(minutes(60 * 33)), statusMessage: 'The provider answered invalid_grant.' })
      .where(eq(mailboxes.id, channelId));
    await run(later(minutes(60 * 33)));
    const [again] = await newAlerts();
    const { subject, text } = await textOf(again!);
    expect(subject).toBe('[Intake] The email channel of AL (al-desk@alerts.test) needs re-authorization');
    expect(text).toContain('press Authorize on the page below and sign in as al-desk@alerts.test');
  });

  it('waits out the grace period before alerting about a failing mailbox', async () => {
    const serverId = await addMailbox({ kind: 'server', emailAddress: 'al-shared@alerts.test', status: 'failing', statusSince: later(minutes(60 * 34)) });
    await run(later(minutes(60 * 34 + GRACE - 1)));
    expect(await newAlerts()).toHaveLength(0);
    await run(later(minutes(60 * 34 + GRACE + 1)));
    const [alert] = await newAlerts();
    const { subject, text } = await textOf(alert!);
    expect(subject).toBe('[Intake] The incoming mail server “Shared inbox” (al-shared@alerts.test) is failing');
    expect(text).toContain(`${getEnv().APP_URL}/admin/system/incoming-mail/${serverId}`);
    expect(alert!.to).not.toContain(people.agent);
    expect(alert!.to).not.toContain(people.otherLead);
  });

  it('tells the admins about a reply given up, and when Send again got it out', async () => {
    const { database, admin } = context;
    const request = await createRequestByAgent({
      db: database.db,
      actor: admin,
      input: { projectId, summary: 'Invoice missing', reporterEmail: 'al-customer@example.test' },
    });
    const key = requestKey('AL', request.number);
    const outboundId = await queueOutboundMessage(database.db, {
      request: { id: request.id, key, summary: 'Invoice missing', projectId, mailboxId: channelId },
      commentId: null,
      kind: 'reply',
      recipients: ['al-customer@example.test'],
    });
    await database.db
      .update(outboundMessages)
      .set({ status: 'failed', attempts: 10, lastError: 'The SMTP server smtp.alerts.test:465 refused the login (535)' })
      .where(eq(outboundMessages.id, outboundId!));
    await run(later(minutes(60 * 35)));
    const [alert] = await newAlerts();
    expect([...alert!.to].sort()).toEqual([people.admin, people.lead].sort());
    expect(alert!.to).not.toContain('al-customer@example.test');
    const { subject, text } = await textOf(alert!);
    expect(subject).toBe(`[Intake] A reply on ${key} could not be sent`);
    expect(text).toContain('Reason: The SMTP server smtp.alerts.test:465 refused the login (535)');
    expect(text).toContain('press Send again on the request');
    expect(text).toContain(`${getEnv().APP_URL}/requests/${key}`);

    // Send again queues it: not over until it is sent.
    await database.db.update(outboundMessages).set({ status: 'queued' }).where(eq(outboundMessages.id, outboundId!));
    await run(later(minutes(60 * 36)));
    expect(await newAlerts()).toHaveLength(0);
    await database.db.update(outboundMessages).set({ status: 'sent', sentAt: new Date() }).where(eq(outboundMessages.id, outboundId!));
    await run(later(minutes(60 * 37)));
    const [note] = await newAlerts();
    expect((await textOf(note!)).subject).toBe(`[Intake] The reply on ${key} was sent`);
  });
});

describe('an alert that comes back into a channel', { timeout: 60_000 }, () => {
  it('is ignored as machine-made, not filed as a request', async () => {
    const { database, admin, harness } = context;
    const CHANNEL = 'al-loop@loop.test';
    await harness.addUsers([{ email: CHANNEL, password: 'al-loop-secret' }]);
    const { project } = await seedProject(database.db, admin, 'LP');
    const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email: CHANNEL });
    await harness.deliver(CHANNEL, firstAlert!.raw);
    await pollMailbox({ database, mailboxId: mailbox.id, workerId: 'admin-alerts-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });
    const [inbound] = await database.db.select().from(inboundMessages).where(eq(inboundMessages.mailboxId, mailbox.id));
    expect(inbound).toMatchObject({ status: 'ignored', outcome: expect.stringContaining('Auto-Submitted: auto-generated') });
    expect(await database.db.select().from(requests).where(eq(requests.projectId, project.id))).toHaveLength(0);
  });
});

describe('the admin alerts job', { timeout: 60_000 }, () => {
  it('runs by itself in the job runner: a mailbox needing re-authorization is told within seconds, with the real clock', async () => {
    await addMailbox({
      kind: 'server',
      emailAddress: 'al-runner@alerts.test',
      status: 'needs_reauthorization',
      statusSince: new Date(),
      statusMessage: 'The provider answered invalid_grant.',
    });
    await newAlerts();
    const runner = await startJobRunner({ database: context.database, mode: 'worker' });
    try {
      const deadline = Date.now() + 30_000;
      let told: SentMessage[] = [];
      while (told.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        told = (await context.harness.sentMessages({ from: SENDER })).filter((message) => message.raw.toString('utf8').includes('al-runner@alerts.test'));
      }
      expect(told).toHaveLength(1);
    } finally {
      await runner.stop();
    }
  });
});
