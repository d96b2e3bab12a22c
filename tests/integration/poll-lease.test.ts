import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { inboundMessages, mailboxes, requests } from '@/db/schema';
import { pollSoon } from '@/lib/ingest/idle-lease';
import { MailboxLease, POLL_LEASE_RENEW_MS, PollStoppedError } from '@/lib/ingest/mailbox-lease';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { processInboundMessage } from '@/lib/ingest/process-inbound-message';
import { storeInboundMessage } from '@/lib/ingest/store-inbound-message';
import { waitUntil } from '../support/bulk-ingestion';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';

// One worker process, several polls: a queued poll job and an IDLE wake-up of the same worker,
// and the lease that keeps them (and other workers) from working one mailbox at once.

const context = setupIntegration();

const poll = (mailboxId: string, workerId = 'worker-a', stopping?: AbortSignal) =>
  pollMailbox({ database: context.database, mailboxId, workerId, stopping, pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });

/** A channel whose server mailbox is empty, with `count` messages stored and not yet filed, as a poll that died after storing leaves them. */
async function mailboxWithStoredMessages(key: string, count: number) {
  const { project } = await seedProject(context.database.db, context.admin, key);
  const address = `${key.toLowerCase()}@lease.test`;
  await context.harness.addUser(address, `pw-${key}-0123456789`);
  const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, { email: address });
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const raw = buildEmail({ from: `Customer ${index} <c${index}@lease.test>`, to: address, subject: `${key} ${index}` });
    const stored = await storeInboundMessage(context.database.db, { mailbox, raw, size: raw.length, receivedAt: null });
    ids.push(stored.id!);
  }
  return { mailbox, project, ids };
}

async function requestCount(projectId: string): Promise<number> {
  return (await context.database.db.select({ id: requests.id }).from(requests).where(eq(requests.projectId, projectId))).length;
}

describe('the poll lease', () => {
  it('lets one of two polls of the same worker run; the other backs off and each message is filed once', async () => {
    const { mailbox, project } = await mailboxWithStoredMessages('TWO', 40);
    const outcomes = await Promise.all([poll(mailbox.id), poll(mailbox.id)]);
    expect(outcomes.map((outcome) => outcome.polled).sort()).toEqual([false, true]);
    expect(await requestCount(project.id)).toBe(40);
  });

  it('is noticed lost at the next renewal once another worker took the mailbox over, and stops the poll', async () => {
    const { mailbox } = await mailboxWithStoredMessages('LOST', 0);
    const lease = (await MailboxLease.acquire(context.database.db, mailbox.id, 'worker-a'))!;
    try {
      expect(await MailboxLease.acquire(context.database.db, mailbox.id, 'worker-a')).toBeNull();
      await lease.check();
      // As after the lease ran out while the poll was stuck, and another worker claimed it.
      await context.database.db.update(mailboxes).set({ leaseExpiresAt: sql`now() - interval '1 second'` }).where(eq(mailboxes.id, mailbox.id));
      const other = await MailboxLease.acquire(context.database.db, mailbox.id, 'worker-b');
      expect(other).not.toBeNull();
      const stopped = await waitUntil(
        'the poll notices',
        () =>
          lease.check().then(
            () => null,
            (error: unknown) => error,
          ),
        POLL_LEASE_RENEW_MS + 5_000,
      );
      expect(stopped).toBeInstanceOf(PollStoppedError);
      await lease.release();
      // Releasing a lost lease leaves the new owner's alone.
      const [row] = await context.database.db.select({ owner: mailboxes.leaseOwner }).from(mailboxes).where(eq(mailboxes.id, mailbox.id));
      expect(row?.owner).toBe(other!.owner);
      await other!.release();
    } finally {
      await lease.release();
    }
  });

  it('is given up at once when its worker stops mid-poll, so the next worker need not wait it out', async () => {
    // Filed in runs of 100, one transaction each: the stop comes between two runs.
    const { mailbox, project } = await mailboxWithStoredMessages('STOP', 800);
    const stopping = new AbortController();
    const running = poll(mailbox.id, 'worker-a', stopping.signal);
    const filed = and(eq(inboundMessages.mailboxId, mailbox.id), eq(inboundMessages.status, 'processed'));
    await waitUntil(
      'the poll files messages',
      async () => (await context.database.db.select({ id: inboundMessages.id }).from(inboundMessages).where(filed)).length > 0,
      10_000,
    );
    stopping.abort();
    expect(await running).toEqual({ polled: false, reason: 'The poll stopped: its worker is stopping.' });
    const [row] = await context.database.db
      .select({ owner: mailboxes.leaseOwner, next: mailboxes.nextPollAt })
      .from(mailboxes)
      .where(eq(mailboxes.id, mailbox.id));
    expect(row?.owner).toBeNull();
    expect(row!.next.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await requestCount(project.id)).toBeLessThan(800);

    expect(await poll(mailbox.id, 'worker-b')).toMatchObject({ polled: true });
    expect(await requestCount(project.id)).toBe(800);
    expect(await poll(mailbox.id, 'worker-b', stopping.signal)).toEqual({ polled: false, reason: 'its worker is stopping' });
  });

  it('keeps the mailbox due when mail was announced while it polled', async () => {
    const { mailbox } = await mailboxWithStoredMessages('SOON', 150);
    const running = poll(mailbox.id);
    const filed = and(eq(inboundMessages.mailboxId, mailbox.id), eq(inboundMessages.status, 'processed'));
    await waitUntil(
      'the poll files messages',
      async () => (await context.database.db.select({ id: inboundMessages.id }).from(inboundMessages).where(filed)).length > 0,
      10_000,
    );
    await pollSoon(context.database.db, mailbox.id);
    expect(await running).toMatchObject({ polled: true });
    const [row] = await context.database.db.select({ next: mailboxes.nextPollAt }).from(mailboxes).where(eq(mailboxes.id, mailbox.id));
    expect(row!.next.getTime()).toBeLessThanOrEqual(Date.now());

    await poll(mailbox.id);
    const [after] = await context.database.db.select({ next: mailboxes.nextPollAt }).from(mailboxes).where(eq(mailboxes.id, mailbox.id));
    expect(after!.next.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });
});

describe('filing a stored message', () => {
  it('creates one request when two attempts file the same message at once', async () => {
    const { project, ids } = await mailboxWithStoredMessages('ONCE', 1);
    const outcomes = await Promise.all([processInboundMessage(context.database.db, ids[0]!), processInboundMessage(context.database.db, ids[0]!)]);
    expect(outcomes.filter((outcome) => outcome?.kind === 'request_created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === null)).toHaveLength(1);
    expect(await requestCount(project.id)).toBe(1);
  });
});
