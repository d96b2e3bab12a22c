import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachments, comments, customers, inboundMessages, outboundMessages, requestParticipants, requests, senderRules } from '@/db/schema';
import { customerNameIn } from '@/lib/customers/customer-name';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';

import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';

const context = setupIntegration();

// Mailboxes of this file's own: other files' mail never lands in them.
beforeAll(async () => {
  await context.harness.addUsers(
    ['ingest-support@acme.test', 'ingest-help@acme.test', 'ingest-sales@other.test', 'ingest-pop@example.test', 'ingest-words@acme.test'].map((email) => ({
      email,
      password: `${email}-secret`,
    })),
  );
});

const poll = (mailboxId: string) =>
  pollMailbox({ database: context.database, mailboxId, workerId: 'test-worker', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });

async function outcomes(mailboxId: string) {
  return (
    await context.database.db
      .select({ outcome: inboundMessages.outcome, status: inboundMessages.status })
      .from(inboundMessages)
      .where(eq(inboundMessages.mailboxId, mailboxId))
      .orderBy(inboundMessages.fetchedAt)
  ).map((row) => row.outcome);
}

describe('IMAP ingestion with XOAUTH2', () => {
  it('turns new mail into requests and replies into comments, ignores automatic mail and marks processed mail read', async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'SD');
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, {
      email: 'ingest-support@acme.test',
      xoauth2Only: true,
    });
    await context.database.db.insert(senderRules).values({ projectId: project.id, kind: 'block', pattern: 'spammer.test' });

    await context.harness.deliver(
      'ingest-support@acme.test',
      buildEmail({
        messageId: 'first@example.test',
        to: 'ingest-support@acme.test',
        cc: 'Pat Partner <pat@example.test>, ingest-support@acme.test',
        attachment: { filename: 'photo.png', contentType: 'image/png', content: Buffer.from('89504e470d0a1a0a', 'hex') },
      }),
    );
    // Read by a person already: still processed.
    await context.harness.deliver(
      'ingest-support@acme.test',
      buildEmail({ from: 'Sam <sam@example.test>', subject: 'Already read', messageId: 'seen@example.test' }),
      { flags: ['\\Seen'] },
    );
    await context.harness.deliver(
      'ingest-support@acme.test',
      buildEmail({ from: 'Out Of Office <customer@example.test>', subject: 'Away', headers: { 'Auto-Submitted': 'auto-replied' } }),
    );
    await context.harness.deliver(
      'ingest-support@acme.test',
      buildEmail({ from: 'MAILER-DAEMON@example.test', subject: 'Undelivered Mail Returned to Sender' }),
    );
    await context.harness.deliver(
      'ingest-support@acme.test',
      buildEmail({ from: 'news@example.test', subject: 'Newsletter', headers: { 'List-Id': '<news.example.test>', Precedence: 'bulk' } }),
    );
    await context.harness.deliver('ingest-support@acme.test', buildEmail({ from: 'ingest-support@acme.test', subject: 'Loop' }));
    await context.harness.deliver('ingest-support@acme.test', buildEmail({ from: 'bad@spammer.test', subject: 'Buy now' }));

    const first = await poll(mailbox.id);
    expect(first).toMatchObject({ polled: true, stats: { fetched: 7 } });
    expect(await outcomes(mailbox.id)).toEqual([
      'Request created SD-1',
      'Request created SD-2',
      expect.stringMatching(/^Ignored: auto-reply/),
      expect.stringMatching(/^Ignored: bounce/),
      expect.stringMatching(/^Ignored: (bulk|mailing-list)/),
      expect.stringMatching(/^Ignored: mail from one of Intake’s own addresses/),
      'Rejected: blocklisted sender',
    ]);

    const [sd1] = await context.database.db
      .select()
      .from(requests)
      .where(and(eq(requests.projectId, project.id), eq(requests.number, 1)));
    expect(sd1).toMatchObject({ summary: 'Printer on fire', status: 'open' });
    expect(sd1!.description).toContain('the printer on floor 3 is on fire');
    const [reporter] = await context.database.db
      .select({ email: customers.email, name: customerNameIn(project.id) })
      .from(customers)
      .where(eq(customers.id, sd1!.reporterId!));
    expect(reporter).toEqual({ email: 'customer@example.test', name: 'Casey Customer' });
    const participants = await context.database.db
      .select({ email: customers.email })
      .from(requestParticipants)
      .innerJoin(customers, eq(customers.id, requestParticipants.customerId))
      .where(eq(requestParticipants.requestId, sd1!.id));
    expect(participants.map((row) => row.email)).toEqual(['pat@example.test']);
    const [photo] = await context.database.db.select().from(attachments).where(eq(attachments.requestId, sd1!.id));
    expect(photo).toMatchObject({ filename: 'photo.png', contentType: 'image/png', size: 8 });

    // Processed and ignored mail is marked read on the server; refused mail is left alone.
    const flags = (await context.harness.listMessages('ingest-support@acme.test')).map((message) => message.flags.includes('\\Seen'));
    expect(flags).toEqual([true, true, true, true, true, true, false]);

    // Replies: by the key in the subject, and by In-Reply-To.
    await context.harness.deliver(
      'ingest-support@acme.test',
      buildEmail({
        subject: 'Re: [SD-1] Printer on fire',
        body: 'It is out now.\r\n\r\nOn Mon, 30 Nov 2026 at 09:12, Casey Customer <customer@example.test> wrote:\r\n> the printer is on fire',
      }),
    );
    await context.harness.deliver(
      'ingest-support@acme.test',
      buildEmail({ from: 'pat@example.test', subject: 'Re: Printer on fire', inReplyTo: 'first@example.test', body: 'Thanks!' }),
    );
    // A stranger cannot join SD-1 by quoting its key: a new request instead.
    await context.harness.deliver('ingest-support@acme.test', buildEmail({ from: 'eve@example.test', subject: 'Re: [SD-1] Printer on fire', body: 'Me too' }));
    await poll(mailbox.id);
    expect((await outcomes(mailbox.id)).slice(-3)).toEqual(['Comment added to SD-1', 'Comment added to SD-1', 'Request created SD-3']);
    const thread = await context.database.db.select().from(comments).where(eq(comments.requestId, sd1!.id)).orderBy(comments.createdAt);
    expect(thread.map((comment) => comment.body)).toEqual(['It is out now.', 'Thanks!']);
    expect(thread[0]!.fullBody).toContain('> the printer is on fire');
  });

  it('marks a message that cannot be parsed Failed and still files the next one', async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'BAD');
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, { email: 'ingest-help@acme.test' });
    const nested = ['From: x@example.test', 'Subject: nested', 'MIME-Version: 1.0'];
    let body = 'Content-Type: text/plain\r\n\r\ndeep';
    for (let level = 0; level < 1000; level++) body = `Content-Type: multipart/mixed; boundary="b${level}"\r\n\r\n--b${level}\r\n${body}\r\n--b${level}--`;
    await context.harness.deliver('ingest-help@acme.test', Buffer.from(`${nested.join('\r\n')}\r\n${body}\r\n`));
    await context.harness.deliver('ingest-help@acme.test', buildEmail({ to: 'ingest-help@acme.test', subject: 'Normal' }));
    await poll(mailbox.id);
    expect(await outcomes(mailbox.id)).toEqual([expect.stringMatching(/^Failed: /), 'Request created BAD-1']);
    // A Failed message is never removed from the server.
    const flags = (await context.harness.listMessages('ingest-help@acme.test')).map((message) => message.flags.includes('\\Seen'));
    expect(flags).toEqual([false, true]);
  });

  it('creates no duplicates after a UIDVALIDITY change', async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'UV');
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, { email: 'ingest-sales@other.test' });
    for (let index = 0; index < 5; index++)
      await context.harness.deliver('ingest-sales@other.test', buildEmail({ to: 'ingest-sales@other.test', subject: `Order ${index}` }));
    await poll(mailbox.id);
    await context.harness.resetUidValidity('ingest-sales@other.test');
    await context.harness.deliver('ingest-sales@other.test', buildEmail({ to: 'ingest-sales@other.test', subject: 'After the reset' }));
    await poll(mailbox.id);
    const rows = await context.database.db.select().from(requests).where(eq(requests.projectId, project.id));
    expect(rows.map((row) => row.summary).sort()).toEqual(['After the reset', 'Order 0', 'Order 1', 'Order 2', 'Order 3', 'Order 4']);
  });

  it('logs senders and subjects decoded, and confirms each request under its stored summary', async () => {
    const { db } = context.database;
    const { project } = await seedProject(db, context.admin, 'EW');
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, { email: 'ingest-words@acme.test' });
    const subject = `Überweisung ${'fehlgeschlagen '.repeat(30)}`.trim();
    const encodedSubject = `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`;
    const from = `=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.test>`;
    // The first is plain new mail, filed with others in one transaction; the second names a
    // message Intake never saw, so it is filed on its own. Both must come out the same.
    await context.harness.deliver('ingest-words@acme.test', buildEmail({ from, to: 'ingest-words@acme.test', subject: encodedSubject }));
    await context.harness.deliver(
      'ingest-words@acme.test',
      buildEmail({ from, to: 'ingest-words@acme.test', subject: encodedSubject, inReplyTo: 'never-seen@example.test' }),
    );
    await poll(mailbox.id);

    const logged = await db
      .select({ fromAddress: inboundMessages.fromAddress, subject: inboundMessages.subject })
      .from(inboundMessages)
      .where(eq(inboundMessages.mailboxId, mailbox.id));
    expect(logged).toEqual([
      { fromAddress: 'Jürgen Müller <juergen@example.test>', subject: subject.slice(0, 300) },
      { fromAddress: 'Jürgen Müller <juergen@example.test>', subject: subject.slice(0, 300) },
    ]);
    const filed = await db
      .select({ summary: requests.summary, number: requests.number })
      .from(requests)
      .where(eq(requests.projectId, project.id))
      .orderBy(requests.number);
    const summary = subject.slice(0, 255).trim();
    expect(filed).toEqual([
      { summary, number: 1 },
      { summary, number: 2 },
    ]);
    const sent = await db
      .select({ subject: outboundMessages.subject, kind: outboundMessages.kind })
      .from(outboundMessages)
      .where(eq(outboundMessages.mailboxId, mailbox.id));
    expect(sent.map((message) => message.subject).sort()).toEqual([`[EW-1] ${summary}`, `[EW-2] ${summary}`]);
  });
});

describe('POP3 ingestion with XOAUTH2', () => {
  it('files mail and deletes it from the server only after the request is committed', async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'POP');
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, {
      email: 'ingest-pop@example.test',
      protocol: 'pop3',
      afterProcessing: 'delete',
    });
    for (let index = 0; index < 3; index++)
      await context.harness.deliver(
        'ingest-pop@example.test',
        buildEmail({ from: 'buyer@shop.test', to: 'ingest-pop@example.test', subject: `Question ${index}` }),
      );
    await poll(mailbox.id);
    expect(await outcomes(mailbox.id)).toEqual(['Request created POP-1', 'Request created POP-2', 'Request created POP-3']);
    expect(await context.harness.listMessages('ingest-pop@example.test')).toHaveLength(0);
    await poll(mailbox.id);
    expect(await context.database.db.select().from(requests).where(eq(requests.projectId, project.id))).toHaveLength(3);
  });
});
