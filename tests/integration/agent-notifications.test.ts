import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { inboundMessages, notifications, requests, userSessions } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { classifyAutomatedMail } from '@/lib/email/classify-automated-mail';
import { parseEmail } from '@/lib/email/parse-email';
import { getEnv } from '@/lib/env';
import { NotFoundError, ValidationError } from '@/lib/errors';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { listRequestNotifications } from '@/lib/notifications/list-request-notifications';
import { sendNotifications } from '@/lib/notifications/send-notifications';
import { removeProjectMember } from '@/lib/projects/remove-project-member';
import { setProjectMember } from '@/lib/projects/set-project-member';
import { updateNotificationSettings } from '@/lib/projects/update-notification-settings';
import { addAgentComment } from '@/lib/requests/add-agent-comment';
import { createRequestByAgent } from '@/lib/requests/create-request-by-agent';
import { updateRequest } from '@/lib/requests/update-request';
import { changeOwnPassword } from '@/lib/users/change-own-password';
import { getOwnProfile } from '@/lib/users/get-own-profile';
import { updateOwnProfile } from '@/lib/users/update-own-profile';
import { startUserSession } from '@/lib/users/user-sessions';
import type { SentMessage } from '../harness';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject, seedUser, TEST_PASSWORD } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';
import { useHarnessOutgoingMail } from '../support/outgoing-mail';

const context = setupIntegration();
const SENDER = 'notify-system@acme.test';
const SENDER_PASSWORD = 'notify-system-secret';
const CHANNEL = 'nt-desk@notify.test';
const BACKLOG_CHANNEL = 'ni-desk@notify.test';
const CUSTOMER = 'nt-customer@customers.test';

let projectId: string;
let channelId: string;
let lead: Actor;
let agent: Actor;
let agent2: Actor;
let outsider: Actor;

const run = () => sendNotifications({ database: context.database, now: new Date() });
const poll = (mailboxId: string) =>
  pollMailbox({ database: context.database, mailboxId, workerId: 'notify-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });

async function pollUntilQuiet(mailboxId: string): Promise<void> {
  for (let round = 0; round < 20; round += 1) {
    const result = await poll(mailboxId);
    if (result.polled && 'stats' in result && result.stats.fetched === 0) return;
  }
  throw new Error('The mailbox never ran out of mail to fetch.');
}

let seen = 0;
/** What the harness accepted from Intake's outgoing mail server since the last look. */
async function newEmails(): Promise<SentMessage[]> {
  const sent = await context.harness.sentMessages({ from: SENDER });
  const fresh = sent.slice(seen);
  seen = sent.length;
  return fresh;
}

/** Recipient → subjects, for one look at what was sent. */
async function sentByRecipient(messages: SentMessage[]): Promise<Record<string, string[]>> {
  const byRecipient: Record<string, string[]> = {};
  for (const message of messages) {
    const { subject } = await parseEmail(message.raw);
    for (const to of message.to) byRecipient[to] = [...(byRecipient[to] ?? []), subject];
  }
  return byRecipient;
}

async function customerEmail(subject: string, extra: { messageId?: string; inReplyTo?: string } = {}) {
  await context.harness.deliver(CHANNEL, buildEmail({ from: `Nia Customer <${CUSTOMER}>`, to: CHANNEL, subject, ...extra }));
  await pollUntilQuiet(channelId);
  const [request] = await context.database.db
    .select()
    .from(requests)
    .where(and(eq(requests.projectId, projectId), eq(requests.summary, subject)));
  return request!;
}

beforeAll(async () => {
  const { database, admin, harness } = context;
  await harness.addUsers([
    { email: SENDER, password: SENDER_PASSWORD },
    { email: CHANNEL, password: 'nt-desk-secret' },
    { email: BACKLOG_CHANNEL, password: 'ni-desk-secret' },
  ]);
  const seeded = await seedProject(database.db, admin, 'NT');
  projectId = seeded.project.id;
  lead = seeded.lead;
  agent = seeded.agent;
  agent2 = await seedUser(database.db, admin, 'agent2.nt@intake.test');
  await setProjectMember({ db: database.db, actor: admin, input: { projectId, email: agent2.email, role: 'agent' } });
  outsider = (await seedProject(database.db, admin, 'NX')).agent;
  channelId = (await connectOAuthChannel(harness, database, admin, projectId, { email: CHANNEL })).mailbox.id;
});

describe('agent notifications', { timeout: 120_000 }, () => {
  it('without an outgoing mail server none is recorded and the run says notifications are off', async () => {
    await createRequestByAgent({ db: context.database.db, actor: lead, input: { projectId, summary: 'Before outgoing mail' } });
    expect(await context.database.db.select().from(notifications)).toHaveLength(0);
    expect(await run()).toMatchObject({ emails: 0, notificationsOff: true });
  });

  it('a new request from email reaches each agent and admin of the project once, with the link, marked machine-made, never the customer', async () => {
    await useHarnessOutgoingMail(context, { email: SENDER, password: SENDER_PASSWORD });
    await newEmails();
    const request = await customerEmail('Printer jammed', { messageId: 'nt-first@customers.test' });
    expect(await run()).toMatchObject({ emails: 3, failed: 0 });
    const sent = await newEmails();
    const key = `NT-${request.number}`;
    expect(await sentByRecipient(sent)).toEqual({
      [lead.email]: [`[Intake] New request ${key}: Printer jammed`],
      [agent.email]: [`[Intake] New request ${key}: Printer jammed`],
      [agent2.email]: [`[Intake] New request ${key}: Printer jammed`],
    });
    const parsed = await parseEmail(sent[0]!.raw);
    expect(parsed.text).toContain(`${getEnv().APP_URL}/requests/${key}`);
    expect(sent[0]!.raw.toString('utf8')).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    expect(sent.flatMap((message) => message.to)).not.toContain(CUSTOMER);
    expect(await run()).toMatchObject({ emails: 0 });
    expect(await newEmails()).toHaveLength(0);
  });

  it('goes out once however many workers send at the same time', async () => {
    const request = await customerEmail('Two workers');
    const subject = `[Intake] New request NT-${request.number}: Two workers`;
    const reports = await Promise.all([run(), run(), run()]);
    expect(reports.reduce((sum, report) => sum + report.emails, 0)).toBe(3);
    expect(await sentByRecipient(await newEmails())).toEqual({ [lead.email]: [subject], [agent.email]: [subject], [agent2.email]: [subject] });
  });

  it('respects each person’s choice on their Profile', async () => {
    await updateOwnProfile({
      db: context.database.db,
      actor: agent2,
      input: { name: 'Mia Second', new_request: false, customer_reply: true, assigned: true, mentioned: true },
    });
    expect(await getOwnProfile({ db: context.database.db, actor: agent2 })).toEqual({
      name: 'Mia Second',
      email: agent2.email,
      emailed: ['customer_reply', 'assigned', 'mentioned'],
    });
    await customerEmail('Scanner offline');
    await run();
    expect(Object.keys(await sentByRecipient(await newEmails())).sort()).toEqual([agent.email, lead.email].sort());
  });

  it('a customer reply goes to the project when unassigned, to the assignee once assigned; the assignee hears of being assigned by someone else', async () => {
    const { db } = context.database;
    const [request] = await db.select().from(requests).where(eq(requests.summary, 'Printer jammed'));
    const key = `NT-${request!.number}`;
    await customerEmail('Re: Printer jammed', { inReplyTo: 'nt-first@customers.test' });
    await run();
    const reply = `[Intake] The customer replied on ${key}: Printer jammed`;
    expect(await sentByRecipient(await newEmails())).toEqual({ [lead.email]: [reply], [agent.email]: [reply], [agent2.email]: [reply] });

    await updateRequest({ db, actor: lead, input: { requestId: request!.id, status: 'open', assigneeId: agent.userId } });
    await customerEmail('Re: Printer jammed again', { inReplyTo: 'nt-first@customers.test' });
    await run();
    expect(await sentByRecipient(await newEmails())).toEqual({
      [agent.email]: [`[Intake] ${lead.name} assigned ${key} to you: Printer jammed`, reply],
    });
    // Taking a request oneself tells nobody.
    await updateRequest({ db, actor: agent2, input: { requestId: request!.id, status: 'open', assigneeId: agent2.userId } });
    await run();
    expect(await newEmails()).toHaveLength(0);
  });

  it('an internal note mentioning someone by the part of their address before @ or their name without spaces tells them, and nobody else', async () => {
    const { db } = context.database;
    const request = await customerEmail('Mentions');
    await run();
    await newEmails();
    await addAgentComment({
      db,
      actor: lead,
      input: { requestId: request.id, kind: 'internal', body: `@MiaSecond please call back; ${CUSTOMER} asked twice, cc @${lead.email.split('@')[0]}.` },
    });
    await addAgentComment({ db, actor: lead, input: { requestId: request.id, kind: 'internal', body: `Ask @${outsider.email.split('@')[0]} maybe?` } });
    await run();
    expect(await sentByRecipient(await newEmails())).toEqual({ [agent2.email]: [`[Intake] ${lead.name} mentioned you on NT-${request.number}: Mentions`] });
  });

  it('with “only unassigned”, a request assigned before its notification goes out tells the project nothing; the assignee hears of the assignment', async () => {
    const { db } = context.database;
    await expect(updateNotificationSettings({ db, actor: agent, input: { projectId, notifyNewRequests: 'unassigned' } })).rejects.toThrow(/project admins/);
    await updateNotificationSettings({ db, actor: lead, input: { projectId, notifyNewRequests: 'unassigned' } });
    const created = await createRequestByAgent({ db, actor: lead, input: { projectId, summary: 'Phone call' } });
    await updateRequest({ db, actor: lead, input: { requestId: created.id, status: 'open', assigneeId: agent.userId } });
    expect(await run()).toMatchObject({ skipped: 1 });
    expect(await sentByRecipient(await newEmails())).toEqual({ [agent.email]: [`[Intake] ${lead.name} assigned ${created.key} to you: Phone call`] });
    await updateNotificationSettings({ db, actor: lead, input: { projectId, notifyNewRequests: 'all' } });
  });

  it('a burst of 200 new requests becomes one digest per person', async () => {
    await context.harness.deliverMany(
      CHANNEL,
      Array.from({ length: 200 }, (_, index) => buildEmail({ from: `Burst ${index} <burst${index}@customers.test>`, to: CHANNEL, subject: `Burst ${index}` })),
    );
    await pollUntilQuiet(channelId);
    expect(await run()).toMatchObject({ emails: 2, notified: 400, failed: 0 });
    const sent = await newEmails();
    expect(await sentByRecipient(sent)).toEqual({
      [lead.email]: ['[Intake] 200 updates on your requests'],
      [agent.email]: ['[Intake] 200 updates on your requests'],
    });
    const digest = (await parseEmail(sent[0]!.raw)).text ?? '';
    expect(digest.match(/^- New request NT-\d+: Burst \d+$/gm)).toHaveLength(200);
    expect(sent.flatMap((message) => message.to).some((to) => to.endsWith('@customers.test'))).toBe(false);
  });

  it('a backlog imported when a channel is connected notifies nobody', async () => {
    const { database, admin, harness } = context;
    const backlog = await seedProject(database.db, admin, 'NI');
    await harness.deliverMany(
      BACKLOG_CHANNEL,
      Array.from({ length: 20 }, (_, index) => buildEmail({ to: BACKLOG_CHANNEL, subject: `Old mail ${index}` })),
    );
    const { mailbox } = await connectOAuthChannel(harness, database, admin, backlog.project.id, { email: BACKLOG_CHANNEL, existingMail: 'all' });
    await pollUntilQuiet(mailbox.id);
    const filed = await database.db.select().from(requests).where(eq(requests.projectId, backlog.project.id));
    expect(filed).toHaveLength(20);
    expect(filed.every((request) => request.imported)).toBe(true);
    expect(await run()).toMatchObject({ emails: 0 });
    expect(await newEmails()).toHaveLength(0);
  });

  it('a notification that lands in a channel’s mailbox is recognised as machine-made and not filed', async () => {
    const { database } = context;
    const [notification] = (await context.harness.sentMessages({ from: SENDER })).slice(-1);
    expect(classifyAutomatedMail(await parseEmail(notification!.raw))).not.toBeNull();
    const before = await database.db.select().from(requests).where(eq(requests.projectId, projectId));
    await context.harness.deliver(CHANNEL, notification!.raw);
    await pollUntilQuiet(channelId);
    const [inbound] = await database.db
      .select()
      .from(inboundMessages)
      .where(eq(inboundMessages.mailboxId, channelId))
      .orderBy(inboundMessages.fetchedAt)
      .then((rows) => rows.slice(-1));
    expect(inbound).toMatchObject({ status: 'ignored', outcome: expect.stringContaining('Auto-Submitted: auto-generated') });
    expect(await database.db.select().from(requests).where(eq(requests.projectId, projectId))).toHaveLength(before.length);
  });

  it('the request page lists who was notified of what, for the project’s people only', async () => {
    const { db } = context.database;
    const [request] = await db.select().from(requests).where(eq(requests.summary, 'Printer jammed'));
    const listed = await listRequestNotifications({ db, actor: agent2, requestId: request!.id });
    expect(listed.map((row) => `${row.email} ${row.kind} ${row.status}`).sort()).toEqual(
      [
        `${lead.email} new_request sent`,
        `${agent.email} new_request sent`,
        `${agent2.email} new_request sent`,
        `${lead.email} customer_reply sent`,
        `${agent.email} customer_reply sent`,
        `${agent2.email} customer_reply sent`,
        `${agent.email} assigned sent`,
        `${agent.email} customer_reply sent`,
      ].sort(),
    );
    await expect(listRequestNotifications({ db, actor: outsider, requestId: request!.id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('someone removed from the project before the email goes out is not emailed', async () => {
    const { db } = context.database;
    const request = await customerEmail('After the removal');
    await removeProjectMember({ db, actor: context.admin, input: { projectId, userId: agent.userId } });
    expect(await run()).toMatchObject({ skipped: 1 });
    expect(await sentByRecipient(await newEmails())).toEqual({ [lead.email]: [`[Intake] New request NT-${request.number}: After the removal`] });
  });
});

describe('the Profile page’s password change', () => {
  it('needs the current password, keeps this session and ends the others', async () => {
    const { db } = context.database;
    const here = await startUserSession(db, agent.userId);
    const elsewhere = await startUserSession(db, agent.userId);
    const input = { currentPassword: 'not my password 1', newPassword: 'a new password 77', confirmPassword: 'a new password 77' };
    const address = '198.51.100.7';
    const wrong = await changeOwnPassword({ db, actor: agent, sessionId: here, address, input }).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(ValidationError);
    expect((wrong as ValidationError).fieldErrors).toEqual({ currentPassword: ['That is not your current password.'] });
    const mismatch = await changeOwnPassword({
      db,
      actor: agent,
      sessionId: here,
      address,
      input: { ...input, currentPassword: TEST_PASSWORD, confirmPassword: 'x' },
    }).catch((error: unknown) => error);
    expect((mismatch as ValidationError).fieldErrors).toEqual({ confirmPassword: ['The two new passwords differ.'] });
    await changeOwnPassword({ db, actor: agent, sessionId: here, address, input: { ...input, currentPassword: TEST_PASSWORD } });
    const left = await db.select({ id: userSessions.id }).from(userSessions).where(eq(userSessions.userId, agent.userId));
    expect(left.map((row) => row.id)).toEqual([here]);
    expect(left.map((row) => row.id)).not.toContain(elsewhere);
  });

  it('counts wrong current passwords against the sign-in limit, even in parallel', async () => {
    const { db } = context.database;
    const guesser = await seedUser(db, context.admin, 'profile-guesser@intake.test');
    const here = await startUserSession(db, guesser.userId);
    const guess = (attempt: number) =>
      changeOwnPassword({
        db,
        actor: guesser,
        sessionId: here,
        address: '198.51.100.8',
        input: { currentPassword: `guess ${attempt}`, newPassword: 'a new password 78', confirmPassword: 'a new password 78' },
      }).catch((error: ValidationError) => error.fieldErrors.currentPassword?.[0]);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, attempt) => guess(attempt)));
    // At most the account's 5 guesses are checked; the rest are refused before any check.
    expect(answers.filter((answer) => answer === 'That is not your current password.').length).toBeLessThanOrEqual(5);
    expect(answers.filter((answer) => answer?.startsWith('Too many wrong passwords.')).length).toBeGreaterThanOrEqual(7);
    // The right password is refused too while the limit holds.
    expect(
      await changeOwnPassword({
        db,
        actor: guesser,
        sessionId: here,
        address: '198.51.100.8',
        input: { currentPassword: TEST_PASSWORD, newPassword: 'a new password 78', confirmPassword: 'a new password 78' },
      }).catch((error: ValidationError) => error.fieldErrors.currentPassword?.[0]),
    ).toMatch(/^Too many wrong passwords\. Try again in \d+ minutes?\.$/);
  });
});
