import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachments, comments, mailboxes, outboundMessages, requests } from '@/db/schema';
import { parseEmail } from '@/lib/email/parse-email';
import { getEnv } from '@/lib/env';
import { NotFoundError, ValidationError } from '@/lib/errors';
import { attachmentsTooLargeMessage } from '@/lib/files/attachment-limit';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { sendOutboundMessage } from '@/lib/outbound/send-outbound-message';
import { addAgentComment } from '@/lib/requests/add-agent-comment';
import { getAttachment } from '@/lib/requests/get-attachment';
import type { Actor } from '@/lib/auth/actor';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject, seedUser } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';

// Agents' files go out with a reply to the customer through the harness SMTP server; an internal
// note's stay with the project's agents.

const context = setupIntegration();
const CHANNEL = 'attach-desk@acme.test';
const CUSTOMER = 'attach-customer@example.test';
let requestId: string;
let agent: Actor;
let outsider: Actor;

/** Every byte value, so that an encoding that mangles any of them shows. */
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7) % 256));

beforeAll(async () => {
  const { harness, database, admin } = context;
  await harness.addUsers([CHANNEL, CUSTOMER].map((email) => ({ email, password: `${email}-secret` })));
  const seeded = await seedProject(database.db, admin, 'ATT');
  agent = seeded.agent;
  outsider = await seedUser(database.db, admin, 'outsider.att@intake.test');
  const { mailbox } = await connectOAuthChannel(harness, database, admin, seeded.project.id, { email: CHANNEL });
  await database.db
    .update(mailboxes)
    .set({ smtpHost: harness.host, smtpPort: harness.smtp.starttlsPort, smtpSecurity: 'starttls' })
    .where(eq(mailboxes.id, mailbox.id));
  await harness.deliver(CHANNEL, buildEmail({ from: `Ann Attach <${CUSTOMER}>`, to: CHANNEL, subject: 'Send me the invoice' }));
  await pollMailbox({ database, mailboxId: mailbox.id, workerId: 'attachments-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });
  const [row] = await database.db.select().from(requests).where(eq(requests.projectId, seeded.project.id));
  requestId = row!.id;
}, 60_000);

async function outboundOf(commentId: string) {
  return context.database.db.select().from(outboundMessages).where(eq(outboundMessages.commentId, commentId));
}

async function storedFilesOf(commentId: string) {
  return context.database.db.select().from(attachments).where(eq(attachments.commentId, commentId));
}

describe('files attached to a reply to the customer', { timeout: 60_000 }, () => {
  it('are stored with the comment and reach the customer as attachments, bytes intact, named safely', async () => {
    const { database, harness } = context;
    const { commentId } = await addAgentComment({
      db: database.db,
      actor: agent,
      input: {
        requestId,
        kind: 'reply',
        body: 'The invoice and the log are attached.',
        files: [
          new File([BINARY], '../../invoice<2026>?.pdf', { type: 'Application/PDF' }),
          new File(['line 1\nline 2\n'], 'server.log', { type: 'text/plain; charset=utf-8' }),
        ],
      },
    });
    const stored = await storedFilesOf(commentId);
    expect(
      stored
        .map(({ filename, contentType, size, requestId: owner }) => ({ filename, contentType, size, owner }))
        .sort((a, b) => a.filename.localeCompare(b.filename)),
    ).toEqual([
      { filename: 'invoice_2026__.pdf', contentType: 'application/pdf', size: BINARY.length, owner: requestId },
      { filename: 'server.log', contentType: 'application/octet-stream', size: 14, owner: requestId },
    ]);

    const [outbound] = await outboundOf(commentId);
    expect(await sendOutboundMessage(database, outbound!.id)).toBe('sent');
    const raw = (await harness.listMessages(CUSTOMER)).find((message) => message.raw.toString('utf8').includes(`<${outbound!.messageId}>`))!.raw;
    const email = await parseEmail(raw);
    expect(email.text).toContain('The invoice and the log are attached.');
    const sent = email.attachments.sort((a, b) => a.filename.localeCompare(b.filename));
    expect(sent.map(({ filename, contentType }) => ({ filename, contentType }))).toEqual([
      { filename: 'invoice_2026__.pdf', contentType: 'application/pdf' },
      { filename: 'server.log', contentType: 'application/octet-stream' },
    ]);
    expect(sent[0]!.content.equals(BINARY)).toBe(true);
    expect(sent[1]!.content.toString('utf8')).toBe('line 1\nline 2\n');
  });
});

describe('files attached to an internal note', { timeout: 60_000 }, () => {
  it('are never emailed and can be downloaded only by the project’s people', async () => {
    const { database, harness } = context;
    const { commentId, outboundId } = await addAgentComment({
      db: database.db,
      actor: agent,
      input: {
        requestId,
        kind: 'internal',
        body: 'Supplier’s price list, not for the customer.',
        files: [new File(['secret prices'], 'prices.csv', { type: 'text/csv' })],
      },
    });
    expect(outboundId).toBeNull();
    expect(await outboundOf(commentId)).toEqual([]);
    const [file] = await storedFilesOf(commentId);
    expect(file).toMatchObject({ filename: 'prices.csv', contentType: 'text/csv' });

    expect((await getAttachment({ db: database.db, actor: agent, attachmentId: file!.id })).content.toString('utf8')).toBe('secret prices');
    await expect(getAttachment({ db: database.db, actor: outsider, attachmentId: file!.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAttachment({ db: database.db, actor: null, attachmentId: file!.id })).rejects.toThrow();

    // The next reply carries its own files only.
    const reply = await addAgentComment({ db: database.db, actor: agent, input: { requestId, kind: 'reply', body: 'We are on it.' } });
    const [outbound] = await outboundOf(reply.commentId);
    expect(await sendOutboundMessage(database, outbound!.id)).toBe('sent');
    const raw = (await harness.listMessages(CUSTOMER)).find((message) => message.raw.toString('utf8').includes(`<${outbound!.messageId}>`))!.raw;
    expect((await parseEmail(raw)).attachments).toEqual([]);
    expect(raw.toString('utf8')).not.toContain('prices.csv');
  });
});

describe('files over the limit', { timeout: 60_000 }, () => {
  it('are refused on the files field, and nothing of the comment is stored', async () => {
    const { database } = context;
    const limit = getEnv().INTAKE_MAX_ATTACHMENT_BYTES;
    const before = await database.db.select({ id: comments.id }).from(comments).where(eq(comments.requestId, requestId));
    const attempt = addAgentComment({
      db: database.db,
      actor: agent,
      input: {
        requestId,
        kind: 'reply',
        body: 'Here is the whole disk image.',
        files: [new File([new Uint8Array(limit - 10)], 'disk-1.img'), new File([new Uint8Array(11)], 'disk-2.img')],
      },
    });
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({ files: [attachmentsTooLargeMessage(limit, limit + 1)] });
    const after = await database.db.select({ id: comments.id }).from(comments).where(eq(comments.requestId, requestId));
    expect(after).toEqual(before);
    const images = await database.db
      .select({ id: attachments.id })
      .from(attachments)
      .where(and(eq(attachments.requestId, requestId), eq(attachments.filename, 'disk-1.img')));
    expect(images).toEqual([]);
  });
});
