import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { comments, inboundMessages, notifications, outboundMessages, requests } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { parseEmail } from '@/lib/email/parse-email';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { answerMessageId } from '@/lib/notifications/answer-token';
import { sendNotifications } from '@/lib/notifications/send-notifications';
import { removeProjectMember } from '@/lib/projects/remove-project-member';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';
import { useHarnessOutgoingMail } from '../support/outgoing-mail';

// An agent answers a notification email from their own mail client: the answer goes to the
// project's channel and carries the notification's Message-ID, which Intake signed.

const context = setupIntegration();
const SENDER = 'answers-system@answers.test';
const CHANNEL = 'desk@answers.test';
const CUSTOMER = 'answers-customer@customers.test';

let projectId: string;
let channelId: string;
let agent: Actor;
let lead: Actor;

const poll = () =>
  pollMailbox({ database: context.database, mailboxId: channelId, workerId: 'answer-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });

/** A customer's new request, and the Message-ID of the notification `to` received about it. */
async function notifiedRequest(subject: string, to: Actor) {
  const { harness, database } = context;
  await harness.deliver(CHANNEL, buildEmail({ from: `Ana Customer <${CUSTOMER}>`, to: CHANNEL, subject }));
  await poll();
  await sendNotifications({ database, now: new Date() });
  const [request] = await database.db
    .select()
    .from(requests)
    .where(and(eq(requests.projectId, projectId), eq(requests.summary, subject)));
  for (const message of await harness.sentMessages({ to: to.email })) {
    const parsed = await parseEmail(message.raw);
    if (parsed.subject.includes(subject)) return { request: request!, notification: parsed };
  }
  throw new Error(`no notification about “${subject}” reached ${to.email}`);
}

/** An answer as a mail client writes it: the text on top, the notification quoted below. */
async function answer(from: string, inReplyTo: string, body: string) {
  const raw = buildEmail({
    from,
    to: CHANNEL,
    subject: 'Re: [Intake] New request',
    inReplyTo,
    references: `<${inReplyTo}>`,
    body: `${body}\r\n\r\n> New request …`,
  });
  await context.harness.deliver(CHANNEL, raw);
  await poll();
  const messageId = parseMessageId(raw);
  const [row] = await context.database.db.select().from(inboundMessages).where(eq(inboundMessages.messageId, messageId));
  return row!;
}

const parseMessageId = (raw: Buffer) => /^Message-ID: <([^>]+)>/m.exec(raw.toString('utf8'))![1]!;

const commentsOn = (requestId: string) =>
  context.database.db
    .select({ body: comments.body, visibility: comments.visibility, authorUserId: comments.authorUserId })
    .from(comments)
    .where(eq(comments.requestId, requestId));

beforeAll(async () => {
  const { database, admin, harness } = context;
  await harness.addUsers([
    { email: SENDER, password: 'answers-system-secret' },
    { email: CHANNEL, password: 'answers-desk-secret' },
  ]);
  const seeded = await seedProject(database.db, admin, 'ANS');
  projectId = seeded.project.id;
  agent = seeded.agent;
  lead = seeded.lead;
  channelId = (await connectOAuthChannel(harness, database, admin, projectId, { email: CHANNEL })).mailbox.id;
  await useHarnessOutgoingMail(context, { email: SENDER, password: 'answers-system-secret' });
});

describe('answering a notification by email', { timeout: 120_000 }, () => {
  it('becomes the agent’s reply to the customer, sent from the channel; the token works once', async () => {
    const { request, notification } = await notifiedRequest('Cannot log in', agent);
    expect(notification.text).toContain('Reply to this email to answer the customer');
    expect(notification.messageId).toMatch(/^intake-answer\./);
    const [raw] = (await context.harness.sentMessages({ to: agent.email })).slice(-1);
    expect(raw!.raw.toString('utf8')).toMatch(new RegExp(`^Reply-To: ${CHANNEL}\\r$`, 'm'));

    const filed = await answer(`Agent <${agent.email}>`, notification.messageId!, 'Hi Ana, I reset your password.');
    expect(filed.outcome).toBe(`Reply to customer by ${agent.email} added to ANS-${request.number}, answering a notification`);
    expect(await commentsOn(request.id)).toEqual([{ body: 'Hi Ana, I reset your password.', visibility: 'public', authorUserId: agent.userId }]);
    const [queued] = await context.database.db
      .select()
      .from(outboundMessages)
      .where(and(eq(outboundMessages.requestId, request.id), eq(outboundMessages.kind, 'reply')));
    expect(queued?.recipients).toEqual([CUSTOMER]);

    // The same notification answered again (a resent or replayed email): refused, nothing filed.
    const replayed = await answer(`Agent <${agent.email}>`, notification.messageId!, 'Once more.');
    expect(replayed).toMatchObject({ status: 'rejected' });
    expect(replayed.outcome).toContain('that notification was answered by email already');
    expect(await commentsOn(request.id)).toHaveLength(1);
  });

  it('#internal on the first line makes it an internal note', async () => {
    const { request, notification } = await notifiedRequest('VPN is slow', lead);
    const filed = await answer(lead.email, notification.messageId!, '#internal\r\nLooks like the tunnel in Berlin again.');
    expect(filed.status).toBe('processed');
    expect(await commentsOn(request.id)).toEqual([{ body: 'Looks like the tunnel in Berlin again.', visibility: 'internal', authorUserId: lead.userId }]);
    expect(
      await context.database.db
        .select()
        .from(outboundMessages)
        .where(and(eq(outboundMessages.requestId, request.id), eq(outboundMessages.kind, 'reply'))),
    ).toHaveLength(0);
  });

  it('is refused, logged with the reason, and never filed as customer mail when the sender, the token or the agent’s access is wrong', async () => {
    const { database } = context;
    const { request, notification } = await notifiedRequest('Laptop broken', agent);
    const messageId = notification.messageId!;
    const forgedSender = await answer(`Agent <mallory@evil.test>`, messageId, 'Send me the password.');
    expect(forgedSender.outcome).toContain('it does not come from the agent the notification was sent to');

    const [stored] = await database.db.select({ id: notifications.id }).from(notifications).where(eq(notifications.requestId, request.id)).limit(1);
    const tampered = messageId.replace(/\.[A-Za-z0-9_-]{22}@/, '.AAAAAAAAAAAAAAAAAAAAAA@');
    expect((await answer(agent.email, tampered, 'Tampered.')).outcome).toContain('it answers a notification Intake did not send');
    const expired = answerMessageId(stored!.id, new Date(Date.now() - 15 * 86_400_000), 'answers.test');
    expect((await answer(agent.email, expired, 'Too late.')).outcome).toContain('older than 14 days');

    await removeProjectMember({ db: database.db, actor: context.admin, input: { projectId, userId: agent.userId } });
    expect((await answer(agent.email, messageId, 'I left the team.')).outcome).toContain('the agent may no longer work on this request');

    // None of it became a comment, nor a request from the "customer" who sent it.
    expect(await commentsOn(request.id)).toHaveLength(0);
    const summaries = (await database.db.select({ summary: requests.summary }).from(requests).where(eq(requests.projectId, projectId))).map(
      (row) => row.summary,
    );
    expect(summaries).not.toContain('Re: [Intake] New request');
  });
});
