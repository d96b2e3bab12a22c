import { and, eq, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { customers, inboundMessages, mailboxCursors, mailboxes, oauthIntegrations, projects, requests } from '@/db/schema';
import { IdleListener } from '@/jobs/idle-listener';
import { pollSoon } from '@/lib/ingest/idle-lease';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { reauthorizeMailbox } from '@/lib/mailboxes/reauthorize-mailbox';
import type { Harness } from '../harness';
import { type BulkMailbox, expectEachMessageFiledOnce, seedBulkMailbox, waitUntil } from '../support/bulk-ingestion';
import { connectOAuthChannel, finishAuthorization } from '../support/channels';
import { buildEmail } from '../support/emails';
import { type CrashPoint, FaultDatabase } from '../support/fault-workers';
import { seedProject } from '../support/fixtures';
import { addFigures } from '../support/hardening-figures';
import { setupIntegration } from '../support/integration-context';
import { keepPolling as keepPollingWith } from '../support/keep-polling';
import { TcpProxy } from '../support/tcp-proxy';
import { type IngestionProgress, readIngestionProgress, type WorkerProcess } from '../support/worker-processes';

// Faults injected into real processes: Dovecot stopped mid-fetch, the OAuth provider down during a
// token refresh, a revoked grant, an IDLE connection that dies without a FIN, PostgreSQL dropping
// the worker's connections mid-transaction, and a worker SIGKILLed at each step of ingestion.
// After each: every message one request, none twice, and the channel Active again on its own
// (Needs re-authorization for the revoked grant, until someone re-authorizes it).

const context = setupIntegration();
const DOMAIN = 'faults.test';
const address = (name: string) => `faults-${name}@${DOMAIN}`;

beforeAll(async () => {
  await context.harness.addUsers(['dovecot', 'provider', 'revoked', 'revoked-pop', 'revoked-idle', 'idle'].map((name) => ({ email: address(name), password: `pw-${name}-0123456789` })));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages from distinct senders (the per-sender rate limit never applies), `bodyBytes` long each. */
function messages(to: string, subjects: string[], bodyBytes = 0): Buffer[] {
  const body = bodyBytes > 0 ? 'All work and no play makes a dull request.\r\n'.repeat(Math.ceil(bodyBytes / 44)) : undefined;
  return subjects.map((subject, index) => buildEmail({ from: `Sender ${index} <sender${index}.${subject.replace(/\W+/g, '-').toLowerCase()}@customers.test>`, to, subject, body }));
}

const subjectsFor = (key: string, count: number, from = 0) => Array.from({ length: count }, (_, index) => `${key} message ${from + index}`);

/**
 * Counts what became of `subjects` in the project: lost (no request) and duplicated (more than
 * one), adds them to the hardening figures, then requires both to be zero.
 */
async function expectFiledExactlyOnce(db: Database, projectId: string, subjects: string[]): Promise<void> {
  const filed = await db.select({ summary: requests.summary }).from(requests).where(eq(requests.projectId, projectId));
  const count = new Map<string, number>();
  for (const { summary } of filed) count.set(summary, (count.get(summary) ?? 0) + 1);
  const lost = subjects.filter((subject) => !count.has(subject)).length;
  const duplicated = subjects.reduce((sum, subject) => sum + Math.max(0, (count.get(subject) ?? 0) - 1), 0);
  addFigures('faults', { delivered: subjects.length, lost, duplicated });
  expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  expect(filed).toHaveLength(subjects.length);
}

async function mailboxRow(db: Database, mailboxId: string) {
  const [row] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
  return row!;
}

async function requestCount(db: Database, projectId: string): Promise<number> {
  return (await db.select({ id: requests.id }).from(requests).where(eq(requests.projectId, projectId))).length;
}

async function seenOnServer(harness: Harness, email: string): Promise<number> {
  return (await harness.listMessages(email)).filter((message) => message.flags.includes('\\Seen')).length;
}

const keepPolling = (mailboxId: string, pollIntervalSeconds: number) => keepPollingWith(context.database, mailboxId, pollIntervalSeconds);

/** An OAuth channel of its own project whose IMAP connections go through a proxy of the test's. */
async function proxiedChannel(key: string, name: string) {
  const { project } = await seedProject(context.database.db, context.admin, key);
  await context.database.db.update(projects).set({ sendConfirmations: false }).where(eq(projects.id, project.id));
  const email = address(name);
  const { mailbox, integration } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, { email });
  const proxy = await TcpProxy.start(context.harness.host, { host: context.harness.host, port: mailbox.port });
  await context.database.db.update(mailboxes).set({ port: proxy.port }).where(eq(mailboxes.id, mailbox.id));
  return { project, mailbox, integration, email, proxy };
}

describe('the mail server, the provider and the network failing under a running channel', () => {
  it('Dovecot stopped mid-fetch: the channel goes Failing, comes back Active by itself, and files each message once', { timeout: 90_000 }, async () => {
    const { harness, database } = context;
    const { project, mailbox, email, proxy } = await proxiedChannel('FDC', 'dovecot');
    const subjects = subjectsFor('FDC', 300);
    // 20 KB each: one FETCH of 6 MB of sources.
    await harness.deliverMany(email, messages(email, subjects, 20_000));
    // Dovecot goes down a third of the way through the FETCH of the sources: what it sends after
    // that never arrives, and the connection is cut when it stops.
    const midFetch = proxy.stallDownAfter(2_000_000);
    const polling = keepPolling(mailbox.id, 1);
    try {
      await midFetch;
      await harness.stopDovecot();
      await proxy.refuse();
      try {
        const failing = await waitUntil('the channel is Failing', async () => {
          const row = await mailboxRow(database.db, mailbox.id);
          return row.status === 'failing' && row;
        }, 30_000);
        expect(failing.statusMessage).toMatch(/connection to the mail server at .* was lost|cannot be reached/);
        // Cut mid-FETCH: nothing of the cut answer was filed, nothing marked read.
        expect(await requestCount(database.db, project.id)).toBe(0);
        expect(await seenOnServer(harness, email)).toBe(0);
        await sleep(3_000);
      } finally {
        await harness.startDovecot();
        await proxy.reopen();
      }
      await waitUntil('every message is filed and marked read', async () => (await requestCount(database.db, project.id)) === subjects.length && (await seenOnServer(harness, email)) === subjects.length, 60_000);
      await waitUntil('the channel is Active', async () => (await mailboxRow(database.db, mailbox.id)).status === 'active', 10_000);
    } finally {
      await polling.stop();
      await proxy.close();
    }
    expect(await mailboxRow(database.db, mailbox.id)).toMatchObject({ status: 'active', consecutiveFailures: 0, statusMessage: null });
    await expectFiledExactlyOnce(database.db, project.id, subjects);
  });

  it('the provider down during a token refresh: Failing with "Intake will retry" (not Needs re-authorization), then Active with the mail filed', { timeout: 60_000 }, async () => {
    const { harness, database } = context;
    const { project } = await seedProject(database.db, context.admin, 'FPR');
    await database.db.update(projects).set({ sendConfirmations: false }).where(eq(projects.id, project.id));
    const email = address('provider');
    const { mailbox } = await connectOAuthChannel(harness, database, context.admin, project.id, { email });
    const subjects = subjectsFor('FPR', 20);
    await harness.deliverMany(email, messages(email, subjects));
    // The access token is due for a refresh, and the provider is down.
    await database.db.update(mailboxes).set({ accessTokenExpiresAt: new Date(Date.now() - 60_000) }).where(eq(mailboxes.id, mailbox.id));
    await harness.stopProvider();
    const polling = keepPolling(mailbox.id, 1);
    try {
      try {
        const failing = await waitUntil('two polls failed', async () => {
          const row = await mailboxRow(database.db, mailbox.id);
          return row.consecutiveFailures >= 2 && row;
        }, 20_000);
        expect(failing.status).toBe('failing');
        expect(failing.statusMessage).toMatch(/provider cannot be reached .*Intake will retry/);
        expect(failing.statusMessage).not.toMatch(/Re-authorize/);
        expect(await requestCount(database.db, project.id)).toBe(0);
      } finally {
        await harness.startProvider();
      }
      await waitUntil('every message is filed', async () => (await requestCount(database.db, project.id)) === subjects.length, 30_000);
      await waitUntil('the channel is Active', async () => (await mailboxRow(database.db, mailbox.id)).status === 'active', 10_000);
    } finally {
      await polling.stop();
    }
    const after = await mailboxRow(database.db, mailbox.id);
    expect(after.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(after.consecutiveFailures).toBe(0);
    await expectFiledExactlyOnce(database.db, project.id, subjects);
  });

  it('a revoked grant: Needs re-authorization, no retries meanwhile; re-authorized, it files the mail that arrived', { timeout: 60_000 }, async () => {
    const { harness, database, admin } = context;
    const { project, mailbox, integration, email, proxy } = await proxiedChannel('FRV', 'revoked');
    // Token requests go through a proxy too, so that they can be counted.
    const [stored] = await database.db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integration.integrationId));
    const tokenEndpoint = new URL(stored!.tokenEndpoint);
    const tokenProxy = await TcpProxy.start(tokenEndpoint.hostname, { host: tokenEndpoint.hostname, port: Number(tokenEndpoint.port) });
    await database.db.update(oauthIntegrations).set({ tokenEndpoint: `https://${tokenEndpoint.hostname}:${tokenProxy.port}${tokenEndpoint.pathname}` }).where(eq(oauthIntegrations.id, integration.integrationId));

    const before = subjectsFor('FRV', 10);
    const meanwhile = subjectsFor('FRV', 5, 10);
    // A production poll interval: the backoff after the failure is minutes long.
    const polling = keepPolling(mailbox.id, 60);
    const listener = new IdleListener(database, mailbox.id, () => void pollSoon(database.db, mailbox.id), { checkIntervalMs: 1_000, noopTimeoutMs: 2_000 });
    try {
      await harness.deliverMany(email, messages(email, before));
      await waitUntil('the first mail is filed', async () => (await requestCount(database.db, project.id)) === before.length, 20_000);

      expect(await harness.revokeGrants(email)).toBeGreaterThan(0);
      await harness.deliverMany(email, messages(email, meanwhile));
      const paused = await waitUntil('the channel needs re-authorization', async () => {
        const row = await mailboxRow(database.db, mailbox.id);
        return row.status === 'needs_reauthorization' && row;
      }, 20_000);
      expect(paused.statusMessage).toMatch(/Re-authorize the mailbox/);

      // No retry storm: nothing tries the mail server or the provider until someone acts.
      const attempts = { imap: proxy.connections, token: tokenProxy.connections, polls: polling.polls };
      await sleep(6_000);
      expect({ imap: proxy.connections, token: tokenProxy.connections, polls: polling.polls }).toEqual(attempts);
      expect(await requestCount(database.db, project.id)).toBe(before.length);

      const started = await reauthorizeMailbox({ db: database.db, actor: admin, mailboxId: mailbox.id, returnTo: '/x' });
      const result = await finishAuthorization(harness, database, admin, started, integration, email);
      expect(result.message).toMatch(/enabled/);
      const resumedAt = Date.now();
      await waitUntil('the mail that arrived meanwhile is filed', async () => (await requestCount(database.db, project.id)) === before.length + meanwhile.length, 20_000);
      console.log(`Revoked grant: filed ${Date.now() - resumedAt} ms after re-authorization`);
    } finally {
      await listener.stop();
      await polling.stop();
      await proxy.close();
      await tokenProxy.close();
    }
    expect(await mailboxRow(database.db, mailbox.id)).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    await expectFiledExactlyOnce(database.db, project.id, [...before, ...meanwhile]);
  });

  it('a revoked grant on a POP3 channel: Needs re-authorization at the first refused login, not Failing', { timeout: 30_000 }, async () => {
    const { harness, database, admin } = context;
    const { project } = await seedProject(database.db, admin, 'FRP');
    const email = address('revoked-pop');
    const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email, protocol: 'pop3' });
    expect(await harness.revokeGrants(email)).toBeGreaterThan(0);
    await pollMailbox({ database, mailboxId: mailbox.id, workerId: 'faults-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });
    const row = await mailboxRow(database.db, mailbox.id);
    expect(row.status).toBe('needs_reauthorization');
    expect(row.statusMessage).toMatch(/Re-authorize the mailbox/);
  });

  it('a grant revoked while the IDLE connection is away: its refused login hands over to a poll, which asks for re-authorization', { timeout: 30_000 }, async () => {
    const { harness, database, admin } = context;
    const { project } = await seedProject(database.db, admin, 'FRI');
    const email = address('revoked-idle');
    const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email });
    // A production poll interval: only the listener can bring the next poll forward.
    const polling = keepPolling(mailbox.id, 60);
    let listener: IdleListener | undefined;
    try {
      await waitUntil('the first poll', async () => (await mailboxRow(database.db, mailbox.id)).lastPollAt !== null, 10_000);
      expect(await harness.revokeGrants(email)).toBeGreaterThan(0);
      listener = new IdleListener(database, mailbox.id, () => void pollSoon(database.db, mailbox.id), { checkIntervalMs: 1_000, noopTimeoutMs: 2_000 });
      const paused = await waitUntil('the channel needs re-authorization', async () => {
        const row = await mailboxRow(database.db, mailbox.id);
        return row.status === 'needs_reauthorization' && row;
      }, 10_000);
      expect(paused.statusMessage).toMatch(/Re-authorize the mailbox/);
      expect(polling.polls).toBe(2);
    } finally {
      await listener?.stop();
      await polling.stop();
    }
  });

  it('an IDLE connection dropped silently (no FIN): noticed within the check interval plus the NOOP timeout, reconnected, and the mail filed', { timeout: 60_000 }, async () => {
    const { harness, database } = context;
    const { project, mailbox, email, proxy } = await proxiedChannel('FID', 'idle');
    // Production checks every minute; the same code with shorter waits.
    const timing = { checkIntervalMs: 1_000, noopTimeoutMs: 1_000 };
    const first = subjectsFor('FID', 3);
    const meanwhile = subjectsFor('FID', 4, 3);
    const after = subjectsFor('FID', 1, 7);
    // Polls come only from the listener: the regular poll is a minute away.
    const polling = keepPolling(mailbox.id, 60);
    const listener = new IdleListener(database, mailbox.id, () => void pollSoon(database.db, mailbox.id), timing);
    try {
      await waitUntil('the first poll ran', async () => polling.polls > 0 && (await mailboxRow(database.db, mailbox.id)).lastSuccessAt !== null, 20_000);
      await harness.deliverMany(email, messages(email, first));
      await waitUntil('IDLE announced the first mail and it is filed', async () => (await requestCount(database.db, project.id)) === first.length, 20_000);
      // The listener's connection is the oldest open one: polls close theirs.
      const [idleConnection] = proxy.openConnections;
      const connectionsBefore = proxy.connections;

      proxy.startBlackHole();
      const droppedAt = Date.now();
      await harness.deliverMany(email, messages(email, meanwhile));
      await waitUntil('the listener gives up the dead connection', async () => !proxy.openConnections.includes(idleConnection!), 20_000);
      const noticedMs = Date.now() - droppedAt;
      proxy.endBlackHole();
      expect(noticedMs).toBeLessThanOrEqual(timing.checkIntervalMs + timing.noopTimeoutMs + 1_000);

      await waitUntil('the mail delivered meanwhile is filed', async () => (await requestCount(database.db, project.id)) === first.length + meanwhile.length, 30_000);
      expect(proxy.connections).toBeGreaterThan(connectionsBefore);
      // IDLE works again: new mail is announced, and filed long before the next regular poll.
      await harness.deliverMany(email, messages(email, after));
      await waitUntil('IDLE announced the mail after the reconnection', async () => (await requestCount(database.db, project.id)) === first.length + meanwhile.length + after.length, 20_000);
      console.log(`IDLE without FIN: noticed after ${noticedMs} ms`);
    } finally {
      await listener.stop();
      await polling.stop();
      await proxy.close();
    }
    expect((await mailboxRow(database.db, mailbox.id)).status).toBe('active');
    await expectFiledExactlyOnce(database.db, project.id, [...first, ...meanwhile, ...after]);
  });
});

// ---------------------------------------------------------------------------------------------
// Worker processes: a database the test shares with them (see fault-workers.ts).

const databases: FaultDatabase[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
});

async function faultDatabase(): Promise<FaultDatabase> {
  const database = await FaultDatabase.create();
  databases.push(database);
  return database;
}

/** Runs a worker without crash point until every message is handled and the server agrees, then stops it. */
async function recover(database: FaultDatabase, mailbox: BulkMailbox, serverDone: (messages: Awaited<ReturnType<Harness['listMessages']>>) => boolean): Promise<void> {
  // Under load the harness's token check may answer a login with a temporary failure: the
  // channel is then Failing until the next poll, and such a poll can fall between the check for
  // Active and the stop. So the channel must be Active with the worker stopped, within three runs.
  for (let run = 1; ; run++) {
    await database.handOver();
    const worker = database.startWorker(context.harness.caFile);
    try {
      if (run === 1) {
        const count = mailbox.subjects.length;
        await database.waitForProgress(worker, 'every message is handled', (progress) => progress.settled >= count && progress.pending === 0 && progress.serverActionsPending === 0, 90_000);
        await waitUntil('the mail server agrees', async () => serverDone(await context.harness.listMessages(mailbox.address)), 30_000);
      }
      // One more poll, which must find nothing to do.
      await sleep(6_000);
      await database.waitForProgress(worker, 'the channel is Active', (progress) => progress.mailboxesNotActive === 0, 60_000);
    } finally {
      await worker.stop();
    }
    const { status } = await mailboxRow((await database.takeBack()).db, mailbox.mailboxId);
    if (status === 'active' || run === 3) return;
  }
}

async function expectRecovered(database: FaultDatabase, mailbox: BulkMailbox): Promise<void> {
  const handle = await database.takeBack();
  await expectEachMessageFiledOnce(handle, mailbox);
  await expectFiledExactlyOnce(handle.db, mailbox.projectId, mailbox.subjects);
  expect(await mailboxRow(handle.db, mailbox.mailboxId)).toMatchObject({ status: 'active', consecutiveFailures: 0, statusMessage: null });
}

/** Crashes a worker at `point`, then checks what the kill left in the database and on the server. */
async function crashAt(database: FaultDatabase, mailbox: BulkMailbox, point: CrashPoint, expected: Partial<IngestionProgress> & { onServer?: number; seen?: number }): Promise<IngestionProgress> {
  await database.crashWorker(context.harness.caFile, point);
  const handle = await database.takeBack();
  const { onServer, seen, ...expectedProgress } = expected;
  const progress = await readIngestionProgress(handle);
  expect(progress).toMatchObject(expectedProgress);
  const [project] = await handle.db.select({ counter: projects.requestCounter }).from(projects).where(eq(projects.id, mailbox.projectId));
  // A request rolled back with its transaction leaves no gap in the numbering.
  expect(project!.counter).toBe(progress.requests);
  const server = await context.harness.listMessages(mailbox.address);
  if (onServer !== undefined) expect(server).toHaveLength(onServer);
  if (seen !== undefined) expect(server.filter((message) => message.flags.includes('\\Seen'))).toHaveLength(seen);
  return progress;
}

// Statements that mark the steps, however many messages each one carries.
const STORE = '^insert into "inbound_messages"';
const FILE = '^insert into "requests"';
const SERVER_ACTIONS_DUE = '^select "id", "uid" from "inbound_messages"';
const SERVER_ACTIONS_DONE = '^update "inbound_messages" set "server_action"';

describe('a worker process SIGKILLed at each step of ingestion', () => {
  it('IMAP: after fetch, after store (mid-transaction), after commit, before the flag: each message filed once, all marked read', { timeout: 150_000 }, async () => {
    const database = await faultDatabase();
    const count = 150;
    const mailbox = await seedBulkMailbox(context.harness, database.handle, { key: 'FKI', address: address('kill-imap'), count, protocol: 'imap', afterProcessing: 'mark_read' });
    const started = Date.now();
    // Fetched, killed before anything is stored.
    await crashAt(database, mailbox, { before: STORE, nth: 1 }, { stored: 0, requests: 0, seen: 0 });
    // Fetched again and stored; killed inside the transaction filing the first of them.
    await crashAt(database, mailbox, { before: FILE, nth: 1 }, { stored: count, pending: count, requests: 0, seen: 0 });
    // Killed right after the first filing committed.
    const afterCommit = await crashAt(database, mailbox, { afterCommitOf: FILE, nth: 1 }, { stored: count, seen: 0 });
    expect(afterCommit.requests).toBeGreaterThan(0);
    expect(afterCommit).toMatchObject({ pending: count - afterCommit.requests, serverActionsPending: afterCommit.requests });
    // Everything filed; killed before the server is told to mark any of it read.
    await crashAt(database, mailbox, { before: SERVER_ACTIONS_DUE, nth: 1 }, { stored: count, pending: 0, requests: count, serverActionsPending: count, seen: 0 });
    await recover(database, mailbox, (messages) => messages.length === count && messages.every((message) => message.flags.includes('\\Seen')));
    console.log(`IMAP kill points on ${database.kind}: ${Math.round((Date.now() - started) / 1000)} s`);
    await expectRecovered(database, mailbox);
  });

  it('POP3 with delete: after commit, and after QUIT deleted before that is recorded: each message filed once, the mailbox emptied', { timeout: 120_000 }, async () => {
    const database = await faultDatabase();
    const count = 40;
    const mailbox = await seedBulkMailbox(context.harness, database.handle, { key: 'FKP', address: address('kill-pop'), count, protocol: 'pop3', afterProcessing: 'delete' });
    const started = Date.now();
    // Filed, but nothing is deleted before QUIT.
    const afterCommit = await crashAt(database, mailbox, { afterCommitOf: FILE, nth: 1 }, { onServer: count });
    expect(afterCommit.requests).toBeGreaterThan(0);
    // Everything filed and deleted at QUIT; killed before the deletions are recorded.
    await crashAt(database, mailbox, { before: SERVER_ACTIONS_DONE, nth: 1 }, { stored: count, requests: count, serverActionsPending: count, onServer: 0 });
    await recover(database, mailbox, (messages) => messages.length === 0);
    console.log(`POP3 kill points on ${database.kind}: ${Math.round((Date.now() - started) / 1000)} s`);
    await expectRecovered(database, mailbox);
  });
});

/**
 * Holds a lock in a transaction of the test's own (one of its pooled connections) until the
 * returned function releases it: the worker's transaction that needs it waits, mid-way.
 */
async function holdLock(db: Database, statement: SQL): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let taken!: () => void;
  const isTaken = new Promise<void>((resolve) => (taken = resolve));
  const transaction = db.transaction(async (tx) => {
    await tx.execute(statement);
    taken();
    await released;
  });
  await Promise.race([isTaken, transaction]);
  return async () => {
    release();
    await transaction;
  };
}

/** Terminates the worker's backend that waits for a lock inside a statement matching `statement`, once it does. */
async function terminateWaiting(database: FaultDatabase, appName: string, statement: string): Promise<string[]> {
  return waitUntil(`a backend waiting in ${statement} was terminated`, async () => {
    const cut = await database.handle.query<{ statement: string }>(
      `with waiting as materialized (
         select pid, query from pg_stat_activity
         where datname = current_database() and application_name = $1 and wait_event_type = 'Lock' and query ~ $2 and backend_xid is not null
       ) select left(query, 60) as statement from waiting where pg_terminate_backend(pid)`,
      [appName, statement],
    );
    return cut.length > 0 && cut.map((row) => row.statement);
  }, 60_000);
}

/** One worker that must ride through every fault: any death is an error, and nothing restarts it. */
function workerThatMustSurvive(start: () => WorkerProcess) {
  const worker = start();
  let stopping = false;
  let died: Error | null = null;
  void worker.exited.then(() => {
    if (!stopping) died = new Error(`The worker died:\n${worker.output}`);
  });
  return {
    /** Throws if the worker died. */
    check(): void {
      if (died) throw died;
    },
    async stop(): Promise<void> {
      stopping = true;
      await worker.stop();
    },
  };
}

describe('the database connection dropped mid-transaction', () => {
  if (process.env.TEST_DATABASE_URL) {
    it('PostgreSQL terminates the worker’s backends while it stores and while it files: nothing lost or twice, the channel Active again', { timeout: 120_000 }, async () => {
      const database = await faultDatabase();
      const { db } = database.handle;
      const count = 200;
      const mailbox = await seedBulkMailbox(context.harness, database.handle, { key: 'FPG', address: address('pg-drop'), count: 0, protocol: 'imap', afterProcessing: 'mark_read' });
      mailbox.subjects.push(...subjectsFor('FPG', count));
      const appName = 'intake-faults-worker';
      const worker = workerThatMustSurvive(() => database.startWorker(context.harness.caFile, { env: { PGAPPNAME: appName } }));
      try {
        await waitUntil('the first poll set the folder cursor', async () => {
          worker.check();
          return (await db.select().from(mailboxCursors).where(eq(mailboxCursors.mailboxId, mailbox.mailboxId))).length > 0;
        }, 60_000);

        // Storing: the transaction has inserted the messages and waits to move the cursor.
        const releaseCursors = await holdLock(db, sql`lock table mailbox_cursors in share mode`);
        await context.harness.deliverMany(mailbox.address, messages(mailbox.address, mailbox.subjects));
        const cut = await terminateWaiting(database, appName, 'mailbox_cursors');
        // Filing: the transaction has locked its messages and added their senders, and waits for
        // the request counter. (Not FOR UPDATE: storing's foreign-key check would wait too.)
        const releaseCounter = await holdLock(db, sql`select id from projects where id = ${mailbox.projectId} for no key update`);
        await releaseCursors();
        expect(await readIngestionProgress(database.handle)).toMatchObject({ stored: 0, requests: 0 });
        const failing = await waitUntil('the channel is Failing', async () => {
          worker.check();
          const row = await mailboxRow(db, mailbox.mailboxId);
          return row.status === 'failing' && row.statusMessage;
        }, 30_000);
        // Not the driver's words, which quote the statement and its parameters: the mail itself.
        expect(failing).toMatch(/^Intake lost its connection to the database \((57P01|CONNECTION_CLOSED)\); it will retry\.$/);
        cut.push(...(await terminateWaiting(database, appName, '"projects"')));
        await releaseCounter();
        // And the job queue's connections: the next polls are dispatched through it.
        await database.handle.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'intake-jobs'`);

        await waitUntil('every message is filed and marked read, the channel Active', async () => {
          worker.check();
          const progress = await readIngestionProgress(database.handle);
          if (progress.settled < count || progress.pending > 0 || progress.serverActionsPending > 0) return false;
          return (await mailboxRow(db, mailbox.mailboxId)).status === 'active' && (await seenOnServer(context.harness, mailbox.address)) === count;
        }, 90_000);
        worker.check();
        console.log(`Terminated mid-transaction: ${JSON.stringify(cut)}; the worker rode through without a restart`);
      } finally {
        await worker.stop();
      }
      await expectRecovered(database, mailbox);
      // A dropped connection is not the message's fault: no attempt was counted against any.
      expect(await db.select({ id: inboundMessages.id }).from(inboundMessages).where(and(eq(inboundMessages.mailboxId, mailbox.mailboxId), sql`${inboundMessages.attempts} > 0`))).toEqual([]);
    });
  } else {
    it('cannot happen on PGlite, which runs inside the worker process; its nearest fault, the process killed mid-transaction, leaves no trace of that transaction', { timeout: 90_000 }, async () => {
      const database = await faultDatabase();
      const count = 40;
      const mailbox = await seedBulkMailbox(context.harness, database.handle, { key: 'FPL', address: address('pglite-drop'), count, protocol: 'imap', afterProcessing: 'mark_read' });
      // Killed inside the transaction filing the first stored messages, after it locked them and
      // added their senders as customers: nothing of it remains.
      await crashAt(database, mailbox, { before: FILE, nth: 1 }, { stored: count, pending: count, requests: 0, seen: 0 });
      const { db } = database.handle;
      expect(await db.select({ id: customers.id }).from(customers)).toEqual([]);
      expect(await db.select({ id: inboundMessages.id }).from(inboundMessages).where(sql`${inboundMessages.attempts} > 0 or ${inboundMessages.requestId} is not null`)).toEqual([]);
      await recover(database, mailbox, (messages) => messages.length === count && messages.every((message) => message.flags.includes('\\Seen')));
      await expectRecovered(database, mailbox);
    });
  }
});
