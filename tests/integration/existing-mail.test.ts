import { and, count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { inboundMessages, outboundMessages, requests } from '@/db/schema';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { cancelExistingMailImport, readExistingMail } from '@/lib/mailboxes/existing-mail-import';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';
import type { MessageFlag } from '../harness/maildir';

const context = setupIntegration();

const OLD = new Date('2025-06-01T10:00:00Z');
const RECENT = new Date('2026-11-15T10:00:00Z');

/** 2,000 messages in a mailbox before it is connected: 400 of them unread, 500 received since 2026-11-01, 100 both. */
const EXISTING = [
  { count: 1_200, receivedAt: OLD, flags: ['\\Seen'] as MessageFlag[] },
  { count: 300, receivedAt: OLD, flags: [] as MessageFlag[] },
  { count: 400, receivedAt: RECENT, flags: ['\\Seen'] as MessageFlag[] },
  { count: 100, receivedAt: RECENT, flags: [] as MessageFlag[] },
];

const addresses = {
  new_only: 'existing-new@acme.test',
  unread: 'existing-unread@acme.test',
  since: 'existing-since@acme.test',
  all: 'existing-all@acme.test',
  pop3: 'existing-pop@acme.test',
  pop3All: 'existing-pop-all@acme.test',
  cancel: 'existing-cancel@acme.test',
  cancelRunning: 'existing-cancel-running@acme.test',
  renumbered: 'existing-renumbered@acme.test',
};

beforeAll(async () => {
  await context.harness.addUsers(Object.values(addresses).map((email) => ({ email, password: `${email}-secret` })));
});

const poll = (mailboxId: string) =>
  pollMailbox({ database: context.database, mailboxId, workerId: 'existing-mail-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });

async function deliverExisting(address: string, groups = EXISTING): Promise<void> {
  let index = 0;
  for (const group of groups) {
    const raws = Array.from({ length: group.count }, () => {
      index += 1;
      return buildEmail({
        from: `Old Customer ${index} <old${index}@customers.test>`,
        to: address,
        subject: `Old message ${index}`,
        messageId: `old-${index}.${address}`,
      });
    });
    await context.harness.deliverMany(address, raws, { receivedAt: group.receivedAt, flags: group.flags });
  }
}

async function figures(projectId: string, mailboxId: string) {
  const { db } = context.database;
  const [filed] = await db.select({ total: count() }).from(requests).where(eq(requests.projectId, projectId));
  const [imported] = await db
    .select({ total: count() })
    .from(requests)
    .where(and(eq(requests.projectId, projectId), eq(requests.imported, true)));
  const [confirmations] = await db
    .select({ total: count() })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.mailboxId, mailboxId), eq(outboundMessages.kind, 'confirmation')));
  return { requests: filed!.total, imported: imported!.total, confirmations: confirmations!.total };
}

/** Polls until a poll fetches nothing more. */
async function pollUntilQuiet(mailboxId: string): Promise<void> {
  for (let round = 0; round < 20; round += 1) {
    const result = await poll(mailboxId);
    if (result.polled && 'stats' in result && result.stats.fetched === 0) return;
  }
  throw new Error('The mailbox never ran out of mail to fetch.');
}

describe('connecting a mailbox that already holds mail', () => {
  it.each([
    ['new_only', '', 0],
    ['unread', '', 400],
    ['since', '2026-11-01', 500],
    ['all', '', 2_000],
  ] as const)(
    'IMAP, %s: imports exactly the chosen existing mail without a single confirmation; new mail is filed and confirmed',
    { timeout: 180_000 },
    async (mode, since, expected) => {
      const address = addresses[mode];
      const { project } = await seedProject(context.database.db, context.admin, `EM${mode.slice(0, 2).toUpperCase()}`);
      await deliverExisting(address);
      const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, {
        email: address,
        xoauth2Only: true,
        afterProcessing: 'keep',
        existingMail: mode,
        existingMailSince: since,
      });
      // New mail arriving between the connection and the first poll is new mail, not existing mail.
      await context.harness.deliver(
        address,
        buildEmail({ from: 'New Customer <new1@customers.test>', to: address, subject: 'New after connecting', messageId: `new-1.${address}` }),
      );
      await pollUntilQuiet(mailbox.id);
      await context.harness.deliver(
        address,
        buildEmail({ from: 'New Customer <new2@customers.test>', to: address, subject: 'New later', messageId: `new-2.${address}` }),
      );
      await pollUntilQuiet(mailbox.id);

      expect(await figures(project.id, mailbox.id)).toEqual({ requests: expected + 2, imported: expected, confirmations: 2 });
      const existing = await readExistingMail(context.database.db, mailbox);
      expect(existing?.messages).toBe(2_000);
      if (expected === 0) expect(existing?.import).toBeNull();
      else expect(existing?.import).toMatchObject({ total: expected, done: expected, cancelled: false, endedAt: expect.any(Date) });
      // Keep as it is: nothing on the server changed.
      const onServer = await context.harness.listMessages(address);
      expect(onServer).toHaveLength(2_002);
      expect(onServer.filter((message) => message.flags.includes('\\Seen'))).toHaveLength(1_600);
    },
  );

  it('POP3: only new mail by default; Everything imports the existing mail without confirmations', { timeout: 180_000 }, async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'EMPO');
    await deliverExisting(addresses.pop3, [{ count: 300, receivedAt: OLD, flags: [] }]);
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, {
      email: addresses.pop3,
      protocol: 'pop3',
      afterProcessing: 'keep',
    });
    await context.harness.deliver(addresses.pop3, buildEmail({ to: addresses.pop3, subject: 'New POP3 mail', messageId: `new-1.${addresses.pop3}` }));
    await pollUntilQuiet(mailbox.id);
    expect(await figures(project.id, mailbox.id)).toEqual({ requests: 1, imported: 0, confirmations: 1 });
    // Not fetched at all: the email log holds only the new message.
    const [stored] = await context.database.db.select({ total: count() }).from(inboundMessages).where(eq(inboundMessages.mailboxId, mailbox.id));
    expect(stored!.total).toBe(1);

    const everything = await seedProject(context.database.db, context.admin, 'EMPA');
    await deliverExisting(addresses.pop3All, [{ count: 300, receivedAt: OLD, flags: [] }]);
    const connected = await connectOAuthChannel(context.harness, context.database, context.admin, everything.project.id, {
      email: addresses.pop3All,
      protocol: 'pop3',
      afterProcessing: 'delete',
      existingMail: 'all',
    });
    await context.harness.deliver(addresses.pop3All, buildEmail({ to: addresses.pop3All, subject: 'New POP3 mail', messageId: `new-1.${addresses.pop3All}` }));
    await pollUntilQuiet(connected.mailbox.id);
    expect(await figures(everything.project.id, connected.mailbox.id)).toEqual({ requests: 301, imported: 300, confirmations: 1 });
    expect(await readExistingMail(context.database.db, connected.mailbox)).toMatchObject({
      messages: 300,
      import: { total: 300, done: 300, endedAt: expect.any(Date) },
    });
    expect(await context.harness.listMessages(addresses.pop3All)).toHaveLength(0);
  });

  it('cancelling an import keeps what was imported, leaves the rest unfiled and goes on with new mail', { timeout: 180_000 }, async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'EMCA');
    await deliverExisting(addresses.cancel, [{ count: 50, receivedAt: OLD, flags: [] }]);
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, {
      email: addresses.cancel,
      xoauth2Only: true,
      existingMail: 'all',
    });
    await cancelExistingMailImport({ database: context.database, actor: context.admin, mailboxId: mailbox.id });
    await expect(cancelExistingMailImport({ database: context.database, actor: context.admin, mailboxId: mailbox.id })).rejects.toThrow(/no import running/);
    await context.harness.deliver(
      addresses.cancel,
      buildEmail({ to: addresses.cancel, subject: 'New after cancelling', messageId: `new-1.${addresses.cancel}` }),
    );
    await pollUntilQuiet(mailbox.id);
    expect(await figures(project.id, mailbox.id)).toEqual({ requests: 1, imported: 0, confirmations: 1 });
    expect(await readExistingMail(context.database.db, mailbox)).toMatchObject({ messages: 50, import: { total: null, done: 0, cancelled: true } });
  });

  it('cancelling stops an import a poll is working through, at its next group of messages', { timeout: 180_000 }, async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'EMCR');
    await deliverExisting(addresses.cancelRunning);
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, {
      email: addresses.cancelRunning,
      xoauth2Only: true,
      existingMail: 'all',
    });
    const running = poll(mailbox.id);
    const startedImporting = async () => ((await readExistingMail(context.database.db, mailbox))?.import?.done ?? 0) > 0;
    for (let waited = 0; !(await startedImporting()); waited += 20) {
      if (waited > 60_000) throw new Error('The import never started.');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await cancelExistingMailImport({ database: context.database, actor: context.admin, mailboxId: mailbox.id });
    await running;
    const stopped = await figures(project.id, mailbox.id);
    expect(stopped.imported).toBeGreaterThan(0);
    expect(stopped.imported).toBeLessThan(2_000);
    await pollUntilQuiet(mailbox.id);
    expect(await figures(project.id, mailbox.id)).toEqual(stopped);
    expect((await readExistingMail(context.database.db, mailbox))?.import).toMatchObject({ cancelled: true, done: stopped.imported });
  });

  it('a renumbered folder (UIDVALIDITY changed) files nothing twice and sends nothing about mail it reads again', { timeout: 180_000 }, async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'EMRE');
    const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, {
      email: addresses.renumbered,
      xoauth2Only: true,
      afterProcessing: 'keep',
    });
    await deliverExisting(addresses.renumbered, [{ count: 30, receivedAt: new Date(), flags: [] }]);
    await pollUntilQuiet(mailbox.id);
    expect(await figures(project.id, mailbox.id)).toEqual({ requests: 30, imported: 0, confirmations: 30 });
    await context.harness.resetUidValidity(addresses.renumbered);
    await pollUntilQuiet(mailbox.id);
    expect(await figures(project.id, mailbox.id)).toEqual({ requests: 30, imported: 0, confirmations: 30 });
  });
});
