import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { mailboxes, outboundMessages, projects, requests } from '@/db/schema';
import { IdleListener } from '@/jobs/idle-listener';
import { pollSoon } from '@/lib/ingest/idle-lease';
import { listMailboxAlerts } from '@/lib/mailboxes/list-mailboxes';
import { queueOutboundMessage } from '@/lib/outbound/queue-outbound-message';
import { dueOutboundMessages, sendOutboundMessage } from '@/lib/outbound/send-outbound-message';
import { requestKey } from '@/lib/requests/insert-request';
import { waitUntil } from '../support/bulk-ingestion';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { addFigures } from '../support/hardening-figures';
import { keepPolling } from '../support/keep-polling';
import { setupIntegration } from '../support/integration-context';
import { startScriptedImapServer } from '../support/scripted-imap-server';

// Providers limit what a mailbox may do: Exchange Online sends at most 30 messages a minute per
// mailbox and answers more with 432 4.3.2; Gmail stops IMAP at its daily bandwidth with
// [OVERQUOTA]. Intake paces itself below the limit and, when a provider throttles it anyway,
// pauses that mailbox for as long as the provider needs instead of retrying into the penalty.

const context = setupIntegration();
const DOMAIN = 'limits.test';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A channel of its own project (no confirmations) with one request to reply to. */
async function channelWithRequest(key: string) {
  const { harness, database, admin } = context;
  const email = `${key.toLowerCase()}@${DOMAIN}`;
  await harness.addUsers([{ email, password: `pw-${key}-0123456789` }]);
  const { project } = await seedProject(database.db, admin, key);
  await database.db.update(projects).set({ sendConfirmations: false }).where(eq(projects.id, project.id));
  const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email });
  await database.db.update(mailboxes).set({ smtpHost: harness.host, smtpPort: harness.smtp.tlsPort, smtpSecurity: 'tls' }).where(eq(mailboxes.id, mailbox.id));
  const [request] = await database.db
    .insert(requests)
    .values({ projectId: project.id, number: 1, summary: `${key} printer on fire`, mailboxId: mailbox.id })
    .returning();
  return { email, mailbox, request: { id: request!.id, key: requestKey(key, 1), summary: request!.summary, projectId: project.id, mailboxId: mailbox.id } };
}

/** The outbound dispatcher and two concurrent senders, as a worker runs them; stop() waits for both. */
function keepSending() {
  let stopped = false;
  const sender = async () => {
    while (!stopped) {
      for (const id of await dueOutboundMessages(context.database)) await sendOutboundMessage(context.database, id);
      await sleep(100);
    }
  };
  const senders = [sender(), sender()];
  return {
    async stop() {
      stopped = true;
      await Promise.all(senders);
    },
  };
}

async function outboundOf(mailboxId: string) {
  return context.database.db.select().from(outboundMessages).where(eq(outboundMessages.mailboxId, mailboxId));
}

async function mailboxRow(mailboxId: string) {
  const [row] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
  return row!;
}

/** How often each of `messageIds` reached the provider's submission server (by its Message-ID header: replies reference the earlier ones). */
async function deliveriesOf(messageIds: string[]): Promise<number[]> {
  const sent = (await context.harness.sentMessages()).map((message) => /^Message-ID:\s*<([^>]+)>/im.exec(message.raw.toString('utf8'))?.[1]);
  return messageIds.map((id) => sent.filter((sentId) => sentId === id).length);
}

describe('outgoing mail within the provider’s limits', () => {
  it('paces sending at the mailbox’s limit: the rest waits for the minute to turn, none dropped, the provider never over its limit', {
    timeout: 120_000,
  }, async () => {
    const { database, harness } = context;
    const { email, mailbox, request } = await channelWithRequest('PACE');
    // The provider allows 5 a minute (as Exchange allows 30), and so does the channel.
    await harness.limitSending(email, 5);
    await database.db.update(mailboxes).set({ sendLimitPerMinute: 5 }).where(eq(mailboxes.id, mailbox.id));
    for (let index = 0; index < 8; index++)
      await queueOutboundMessage(database.db, { request, commentId: null, kind: 'reply', recipients: [`customer${index}@customers.test`] });
    const sending = keepSending();
    try {
      await waitUntil('the first five are sent', async () => (await outboundOf(mailbox.id)).filter((row) => row.status === 'sent').length === 5, 30_000);
      await sleep(3_000);
      const waiting = (await outboundOf(mailbox.id)).filter((row) => row.status === 'queued');
      expect(waiting).toHaveLength(3);
      const firstAttempt = Math.min(...(await outboundOf(mailbox.id)).map((row) => row.lastAttemptAt?.getTime() ?? Infinity));
      for (const row of waiting) {
        expect(row.attempts).toBe(0);
        expect(row.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(firstAttempt + 60_000);
      }
      // Paced, not refused: the provider saw no attempt beyond its limit.
      expect(await harness.sendingAttempts(email)).toBe(5);
      addFigures('provider-limits', { paced: waiting.length });
      await waitUntil('the rest are sent as the minute turns', async () => (await outboundOf(mailbox.id)).every((row) => row.status === 'sent'), 90_000);
    } finally {
      await sending.stop();
    }
    const rows = await outboundOf(mailbox.id);
    expect(await harness.sendingAttempts(email)).toBe(8);
    expect(await deliveriesOf(rows.map((row) => row.messageId))).toEqual(rows.map(() => 1));
    const sentAt = rows.map((row) => row.sentAt!.getTime()).sort((a, b) => a - b);
    // No minute held more than five.
    for (let index = 5; index < sentAt.length; index++) expect(sentAt[index]! - sentAt[index - 5]!).toBeGreaterThanOrEqual(59_000);
  });

  it('a throttling answer (Exchange’s 432 4.3.2) pauses the mailbox’s sending with the provider’s words, without a retry storm; afterwards every reply goes out once', {
    timeout: 60_000,
  }, async () => {
    const { database, harness, admin } = context;
    const { email, mailbox, request } = await channelWithRequest('THR');
    // The provider is stricter than the channel's pace thinks.
    await harness.limitSending(email, 2);
    for (let index = 0; index < 5; index++)
      await queueOutboundMessage(database.db, { request, commentId: null, kind: 'reply', recipients: [`customer${index}@customers.test`] });
    const sending = keepSending();
    let attemptsWhenPaused = 0;
    try {
      const paused = await waitUntil(
        'sending is paused by the provider',
        async () => {
          const row = await mailboxRow(mailbox.id);
          return row.sendingPausedUntil && row;
        },
        30_000,
      );
      expect(paused.sendingPauseReason).toMatch(/^432 4\.3\.2 STOREDRV\.ClientSubmit; sender thread limit exceeded/);
      // A rate limit without a suggested wait: five minutes.
      expect(paused.sendingPausedUntil!.getTime() - Date.now()).toBeGreaterThan(4 * 60_000);
      // Two accepted, then one refused per sender that was under way (two run at once).
      await waitUntil('the sends under way have ended', async () => (await outboundOf(mailbox.id)).every((row) => row.claimedUntil === null), 10_000);
      attemptsWhenPaused = await harness.sendingAttempts(email);
      expect(attemptsWhenPaused).toBeGreaterThanOrEqual(3);
      expect(attemptsWhenPaused).toBeLessThanOrEqual(4);
      // No retry storm: nothing is tried while the pause lasts.
      await sleep(6_000);
      addFigures('provider-limits', { throttled: 1, attemptsWhilePaused: (await harness.sendingAttempts(email)) - attemptsWhenPaused });
      expect(await harness.sendingAttempts(email)).toBe(attemptsWhenPaused);
      const rows = await outboundOf(mailbox.id);
      expect(rows.filter((row) => row.status === 'sent')).toHaveLength(2);
      // Waiting, not failing: the provider's limit counts against no message.
      for (const row of rows.filter((candidate) => candidate.status !== 'sent')) expect(row).toMatchObject({ status: 'queued', attempts: 0 });
      const alerts = await listMailboxAlerts({ db: database.db, actor: admin });
      expect(alerts.map((alert) => alert.id)).toContain(mailbox.id);

      // The five minutes pass (moved, not waited for), and the provider's minute is over too.
      await harness.limitSending(email, null);
      await database.db.update(mailboxes).set({ sendingPausedUntil: sql`now() - interval '1 second'` }).where(eq(mailboxes.id, mailbox.id));
      await database.db.update(outboundMessages).set({ nextAttemptAt: sql`now()` }).where(eq(outboundMessages.mailboxId, mailbox.id));
      await waitUntil('every reply is sent', async () => (await outboundOf(mailbox.id)).every((row) => row.status === 'sent'), 30_000);
    } finally {
      await sending.stop();
    }
    const rows = await outboundOf(mailbox.id);
    expect(await deliveriesOf(rows.map((row) => row.messageId))).toEqual([1, 1, 1, 1, 1]);
    expect(await harness.sendingAttempts(email)).toBe(attemptsWhenPaused + 3);
    expect(await mailboxRow(mailbox.id)).toMatchObject({ sendingPausedUntil: null, sendingPauseReason: null, sendingThrottles: 0 });
  });
});

const throttlingImapServer = (answer: string) => startScriptedImapServer(context.harness.host, answer);

async function requestCount(projectId: string): Promise<number> {
  return (await context.database.db.select({ id: requests.id }).from(requests).where(eq(requests.projectId, projectId))).length;
}

describe('reading within the provider’s limits', () => {
  it('Exchange throttling with a suggested backoff: Paused by provider for that long, no poll or IDLE meanwhile, then reading resumes by itself', {
    timeout: 60_000,
  }, async () => {
    const { database, harness, admin } = context;
    const email = `read-throttled@${DOMAIN}`;
    await harness.addUsers([{ email, password: 'pw-read-throttled-0123456789' }]);
    const { project } = await seedProject(database.db, admin, 'RTH');
    await database.db.update(projects).set({ sendConfirmations: false }).where(eq(projects.id, project.id));
    const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email });
    await harness.deliverMany(
      email,
      [1, 2, 3].map((index) => buildEmail({ from: `sender${index}@customers.test`, to: email, subject: `Throttled ${index}` })),
    );
    const throttler = await throttlingImapServer('NO Request is throttled. Suggested Backoff Time: 4000 milliseconds');
    await database.db.update(mailboxes).set({ port: throttler.port }).where(eq(mailboxes.id, mailbox.id));
    const polling = keepPolling(database, mailbox.id, 1);
    const listener = new IdleListener(database, mailbox.id, () => void pollSoon(database.db, mailbox.id), { checkIntervalMs: 1_000, noopTimeoutMs: 2_000 });
    try {
      const paused = await waitUntil(
        'the channel is paused by the provider',
        async () => {
          const row = await mailboxRow(mailbox.id);
          return row.status === 'paused_by_provider' && row;
        },
        20_000,
      );
      const pausedAt = Date.now();
      expect(paused.statusMessage).toBe('Request is throttled. Suggested Backoff Time: 4000 milliseconds');
      expect(paused.nextPollAt.getTime() - pausedAt).toBeGreaterThan(2_500);
      const connectionsWhenPaused = throttler.connections;
      // The poll's login, and at most the listener's before it handed over.
      expect(connectionsWhenPaused).toBeLessThanOrEqual(2);
      // The provider recovers meanwhile (the mailbox's own server again); nobody tries before the pause is over.
      await database.db.update(mailboxes).set({ port: harness.imap.tlsPort }).where(eq(mailboxes.id, mailbox.id));
      await sleep(Math.max(0, paused.nextPollAt.getTime() - Date.now() - 500));
      addFigures('provider-limits', { throttled: 1, attemptsWhilePaused: throttler.connections - connectionsWhenPaused });
      expect(throttler.connections).toBe(connectionsWhenPaused);
      expect(await requestCount(project.id)).toBe(0);
      await waitUntil('the mail is filed after the pause', async () => (await requestCount(project.id)) === 3, 20_000);
      await waitUntil('the channel is Active', async () => (await mailboxRow(mailbox.id)).status === 'active', 10_000);
      expect(throttler.connections).toBe(connectionsWhenPaused);
    } finally {
      await listener.stop();
      await polling.stop();
      await throttler.close();
    }
  });

  it('Gmail over its bandwidth ([OVERQUOTA]) at login: paused for an hour, not “Needs re-authorization”, and shown to admins', {
    timeout: 60_000,
  }, async () => {
    const { database, harness, admin } = context;
    const email = `read-overquota@${DOMAIN}`;
    await harness.addUsers([{ email, password: 'pw-read-overquota-0123456789' }]);
    const { project } = await seedProject(database.db, admin, 'ROQ');
    const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email });
    const throttler = await throttlingImapServer('NO [OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)');
    await database.db.update(mailboxes).set({ port: throttler.port }).where(eq(mailboxes.id, mailbox.id));
    const polling = keepPolling(database, mailbox.id, 1);
    try {
      const paused = await waitUntil(
        'the channel is paused by the provider',
        async () => {
          const row = await mailboxRow(mailbox.id);
          return row.status === 'paused_by_provider' && row;
        },
        20_000,
      );
      expect(paused.statusMessage).toBe('[OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)');
      expect(paused.nextPollAt.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
      const connections = throttler.connections;
      await sleep(5_000);
      addFigures('provider-limits', { throttled: 1, attemptsWhilePaused: throttler.connections - connections });
      expect({ connections: throttler.connections, polls: polling.polls }).toEqual({ connections, polls: 1 });
      const alerts = await listMailboxAlerts({ db: database.db, actor: admin });
      expect(alerts.find((alert) => alert.id === mailbox.id)?.status).toBe('paused_by_provider');
    } finally {
      await polling.stop();
      await throttler.close();
    }
  });
});
