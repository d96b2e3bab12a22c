import { and, eq, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { customers, inboundMessages, mailboxCursors, mailboxes, oauthIntegrations, outboundMessages, projects, requests } from '@/db/schema';
import { IdleListener } from '@/jobs/idle-listener';
import { pollSoon } from '@/lib/ingest/idle-lease';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { reauthorizeMailbox } from '@/lib/mailboxes/reauthorize-mailbox';
import { databaseConnectionLost } from '@/lib/runtime/describe-failure';
import type { Harness } from '../harness';
import { type BulkMailbox, expectEachMessageFiledOnce, seedBulkMailbox, waitUntil } from '../support/bulk-ingestion';
import { connectOAuthChannel, finishAuthorization } from '../support/channels';
import { buildEmail } from '../support/emails';
import { type CrashPoint, FaultDatabase } from '../support/fault-workers';
import { seedProject } from '../support/fixtures';
import { addFigures } from '../support/hardening-figures';
import { setupIntegration } from '../support/integration-context';
import { keepPolling as keepPollingWith } from '../support/keep-polling';
import { PrivatePostgres } from '../support/private-postgres';
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
  await context.harness.addUsers(
    ['dovecot', 'provider', 'revoked', 'revoked-pop', 'revoked-idle', 'idle'].map((name) => ({ email: address(name), password: `pw-${name}-0123456789` })),
  );
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages from distinct senders (the per-sender rate limit never applies), `bodyBytes` long each. */
function messages(to: string, subjects: string[], bodyBytes = 0): Buffer[] {
  const body = bodyBytes > 0 ? 'All work and no play makes a dull request.\r\n'.repeat(Math.ceil(bodyBytes / 44)) : undefined;
  return subjects.map((subject, index) =>
    buildEmail({ from: `Sender ${index} <sender${index}.${subject.replace(/\W+/g, '-').toLowerCase()}@customers.test>`, to, subject, body }),
  );
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
        const failing = await waitUntil(
          'the channel is Failing',
          async () => {
            const row = await mailboxRow(database.db, mailbox.id);
            return row.status === 'failing' && row;
          },
          30_000,
        );
        expect(failing.statusMessage).toMatch(/connection to the mail server at .* was lost|cannot be reached/);
        // Cut mid-FETCH: nothing of the cut answer was filed, nothing marked read.
        expect(await requestCount(database.db, project.id)).toBe(0);
        expect(await seenOnServer(harness, email)).toBe(0);
        await sleep(3_000);
      } finally {
        await harness.startDovecot();
        await proxy.reopen();
      }
      await waitUntil(
        'every message is filed and marked read',
        async () => (await requestCount(database.db, project.id)) === subjects.length && (await seenOnServer(harness, email)) === subjects.length,
        60_000,
      );
      await waitUntil('the channel is Active', async () => (await mailboxRow(database.db, mailbox.id)).status === 'active', 10_000);
    } finally {
      await polling.stop();
      await proxy.close();
    }
    expect(await mailboxRow(database.db, mailbox.id)).toMatchObject({ status: 'active', consecutiveFailures: 0, statusMessage: null });
    await expectFiledExactlyOnce(database.db, project.id, subjects);
  });

  it('the provider down during a token refresh: Failing with "Intake will retry" (not Needs re-authorization), then Active with the mail filed', {
    timeout: 60_000,
  }, async () => {
    const { harness, database } = context;
    const { project } = await seedProject(database.db, context.admin, 'FPR');
    await database.db.update(projects).set({ sendConfirmations: false }).where(eq(projects.id, project.id));
    const email = address('provider');
    const { mailbox } = await connectOAuthChannel(harness, database, context.admin, project.id, { email });
    const subjects = subjectsFor('FPR', 20);
    await harness.deliverMany(email, messages(email, subjects));
    // The access token is due for a refresh, and the provider is down.
    await database.db
      .update(mailboxes)
      .set({ accessTokenExpiresAt: new Date(Date.now() - 60_000) })
      .where(eq(mailboxes.id, mailbox.id));
    await harness.stopProvider();
    const polling = keepPolling(mailbox.id, 1);
    try {
      try {
        const failing = await waitUntil(
          'two polls failed',
          async () => {
            const row = await mailboxRow(database.db, mailbox.id);
            return row.consecutiveFailures >= 2 && row;
          },
          20_000,
        );
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
    await database.db
      .update(oauthIntegrations)
      .set({ tokenEndpoint: `https://${tokenEndpoint.hostname}:${tokenProxy.port}${tokenEndpoint.pathname}` })
      .where(eq(oauthIntegrations.id, integration.integrationId));

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
      const paused = await waitUntil(
        'the channel needs re-authorization',
        async () => {
          const row = await mailboxRow(database.db, mailbox.id);
          return row.status === 'needs_reauthorization' && row;
        },
        20_000,
      );
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
      await waitUntil(
        'the mail that arrived meanwhile is filed',
        async () => (await requestCount(database.db, project.id)) === before.length + meanwhile.length,
        20_000,
      );
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

  it('a grant revoked while the IDLE connection is away: its refused login hands over to a poll, which asks for re-authorization', {
    timeout: 30_000,
  }, async () => {
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
      const paused = await waitUntil(
        'the channel needs re-authorization',
        async () => {
          const row = await mailboxRow(database.db, mailbox.id);
          return row.status === 'needs_reauthorization' && row;
        },
        10_000,
      );
      expect(paused.statusMessage).toMatch(/Re-authorize the mailbox/);
      expect(polling.polls).toBe(2);
    } finally {
      await listener?.stop();
      await polling.stop();
    }
  });

  it('an IDLE connection dropped silently (no FIN): noticed within the check interval plus the NOOP timeout, reconnected, and the mail filed', {
    timeout: 60_000,
  }, async () => {
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

      await waitUntil(
        'the mail delivered meanwhile is filed',
        async () => (await requestCount(database.db, project.id)) === first.length + meanwhile.length,
        30_000,
      );
      expect(proxy.connections).toBeGreaterThan(connectionsBefore);
      // IDLE works again: new mail is announced, and filed long before the next regular poll.
      await harness.deliverMany(email, messages(email, after));
      await waitUntil(
        'IDLE announced the mail after the reconnection',
        async () => (await requestCount(database.db, project.id)) === first.length + meanwhile.length + after.length,
        20_000,
      );
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
async function recover(
  database: FaultDatabase,
  mailbox: BulkMailbox,
  serverDone: (messages: Awaited<ReturnType<Harness['listMessages']>>) => boolean,
): Promise<void> {
  // Under load the harness's token check may answer a login with a temporary failure: the
  // channel is then Failing until the next poll, and such a poll can fall between the check for
  // Active and the stop. So the channel must be Active with the worker stopped, within three runs.
  for (let run = 1; ; run++) {
    await database.handOver();
    const worker = database.startWorker(context.harness.caFile);
    try {
      if (run === 1) {
        const count = mailbox.subjects.length;
        await database.waitForProgress(
          worker,
          'every message is handled',
          (progress) => progress.settled >= count && progress.pending === 0 && progress.serverActionsPending === 0,
          90_000,
        );
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
async function crashAt(
  database: FaultDatabase,
  mailbox: BulkMailbox,
  point: CrashPoint,
  expected: Partial<IngestionProgress> & { onServer?: number; seen?: number },
): Promise<IngestionProgress> {
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
  it('IMAP: after fetch, after store (mid-transaction), after commit, before the flag: each message filed once, all marked read', {
    timeout: 150_000,
  }, async () => {
    const database = await faultDatabase();
    const count = 150;
    const mailbox = await seedBulkMailbox(context.harness, database.handle, {
      key: 'FKI',
      address: address('kill-imap'),
      count,
      protocol: 'imap',
      afterProcessing: 'mark_read',
    });
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
    await crashAt(
      database,
      mailbox,
      { before: SERVER_ACTIONS_DUE, nth: 1 },
      { stored: count, pending: 0, requests: count, serverActionsPending: count, seen: 0 },
    );
    await recover(database, mailbox, (messages) => messages.length === count && messages.every((message) => message.flags.includes('\\Seen')));
    console.log(`IMAP kill points on ${database.kind}: ${Math.round((Date.now() - started) / 1000)} s`);
    await expectRecovered(database, mailbox);
  });

  it('POP3 with delete: after commit, and after QUIT deleted before that is recorded: each message filed once, the mailbox emptied', {
    timeout: 120_000,
  }, async () => {
    const database = await faultDatabase();
    const count = 40;
    const mailbox = await seedBulkMailbox(context.harness, database.handle, {
      key: 'FKP',
      address: address('kill-pop'),
      count,
      protocol: 'pop3',
      afterProcessing: 'delete',
    });
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
 * returned function releases it: the worker's transaction that needs it waits, mid-way. With
 * `locked`, a lock that takes rows: when the statement took none, nothing is held and the
 * answer is null.
 */
async function holdLock(db: Database, statement: SQL): Promise<() => Promise<void>>;
async function holdLock(db: Database, statement: SQL, locked: (rows: unknown[]) => boolean): Promise<(() => Promise<void>) | null>;
async function holdLock(db: Database, statement: SQL, locked: (rows: unknown[]) => boolean = () => true): Promise<(() => Promise<void>) | null> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let taken!: (held: boolean) => void;
  const isTaken = new Promise<boolean>((resolve) => (taken = resolve));
  const transaction = db.transaction(async (tx) => {
    const held = locked((await tx.execute(statement)) as unknown as unknown[]);
    taken(held);
    if (held) await released;
  });
  if (!(await Promise.race([isTaken, transaction.then(() => false)]))) {
    await transaction;
    return null;
  }
  return async () => {
    release();
    await transaction;
  };
}

/**
 * The worker's backends that wait for a lock inside a statement matching `statement`, once there
 * are any (as their first lines); with `terminate`, only those inside a transaction that has
 * written already, and they are terminated.
 */
async function waitForLockWait(
  database: FaultDatabase,
  appName: string,
  statement: string,
  { terminate, describe = () => '' }: { terminate: boolean; describe?: () => string },
): Promise<string[]> {
  return waitUntil(
    `a backend waiting in ${statement}${terminate ? ' was terminated' : ''}`,
    async () => {
      const found = await database.handle.query<{ statement: string }>(
        `with waiting as materialized (
         select pid, query from pg_stat_activity
         where datname = current_database() and application_name = $1 and wait_event_type = 'Lock' and query ~ $2 and (not $3 or backend_xid is not null)
       ) select left(query, 60) as statement from waiting where not $3 or pg_terminate_backend(pid)`,
        [appName, statement, terminate],
      );
      return found.length > 0 && found.map((row) => row.statement);
    },
    60_000,
    describe,
  );
}

const terminateWaiting = (database: FaultDatabase, appName: string, statement: string) => waitForLockWait(database, appName, statement, { terminate: true });

/** One worker that must ride through every fault: any death is an error, and nothing restarts it. */
function workerThatMustSurvive(start: () => WorkerProcess) {
  const worker = start();
  let stopping = false;
  let died: Error | null = null;
  void worker.exited.then(() => {
    if (!stopping) died = new Error(`The worker died:\n${worker.output}`);
  });
  return {
    /** Its last lines, for a failing test's message. */
    get output(): string {
      return worker.output;
    },
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

/** Until the worker's first poll of the (empty) mailbox has set its folder cursor. */
async function waitForFirstPoll(database: FaultDatabase, worker: ReturnType<typeof workerThatMustSurvive>, mailbox: BulkMailbox): Promise<void> {
  await waitUntil(
    'the first poll set the folder cursor',
    async () => {
      worker.check();
      return (await database.handle.db.select().from(mailboxCursors).where(eq(mailboxCursors.mailboxId, mailbox.mailboxId))).length > 0;
    },
    60_000,
    () => worker.output,
  );
}

describe('the database connection dropped mid-transaction', () => {
  if (process.env.TEST_DATABASE_URL) {
    it('PostgreSQL terminates the worker’s backends while it stores and while it files: nothing lost or twice, the channel Active again', {
      timeout: 120_000,
    }, async () => {
      const database = await faultDatabase();
      const { db } = database.handle;
      const count = 200;
      const mailbox = await seedBulkMailbox(context.harness, database.handle, {
        key: 'FPG',
        address: address('pg-drop'),
        count: 0,
        protocol: 'imap',
        afterProcessing: 'mark_read',
      });
      mailbox.subjects.push(...subjectsFor('FPG', count));
      const appName = 'intake-faults-worker';
      const worker = workerThatMustSurvive(() => database.startWorker(context.harness.caFile, { env: { PGAPPNAME: appName } }));
      try {
        await waitForFirstPoll(database, worker, mailbox);

        // Storing: the transaction has inserted the messages and waits to move the cursor.
        const releaseCursors = await holdLock(db, sql`lock table mailbox_cursors in share mode`);
        await context.harness.deliverMany(mailbox.address, messages(mailbox.address, mailbox.subjects));
        const cut = await terminateWaiting(database, appName, 'mailbox_cursors');
        // Filing: the transaction has locked its messages and added their senders, and waits for
        // the request counter. (Not FOR UPDATE: storing's foreign-key check would wait too.)
        const releaseCounter = await holdLock(db, sql`select id from projects where id = ${mailbox.projectId} for no key update`);
        await releaseCursors();
        expect(await readIngestionProgress(database.handle)).toMatchObject({ stored: 0, requests: 0 });
        const failing = await waitUntil(
          'the channel is Failing',
          async () => {
            worker.check();
            const row = await mailboxRow(db, mailbox.mailboxId);
            return row.status === 'failing' && row.statusMessage;
          },
          30_000,
        );
        // Not the driver's words, which quote the statement and its parameters: the mail itself.
        expect(failing).toMatch(/^Intake lost its connection to the database \((57P01|CONNECTION_CLOSED)\); it will retry\.$/);
        cut.push(...(await terminateWaiting(database, appName, '"projects"')));
        await releaseCounter();
        // And the job queue's connections: the next polls are dispatched through it.
        await database.handle.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'intake-jobs'`,
        );

        await waitUntil(
          'every message is filed and marked read, the channel Active',
          async () => {
            worker.check();
            const progress = await readIngestionProgress(database.handle);
            if (progress.settled < count || progress.pending > 0 || progress.serverActionsPending > 0) return false;
            return (await mailboxRow(db, mailbox.mailboxId)).status === 'active' && (await seenOnServer(context.harness, mailbox.address)) === count;
          },
          90_000,
        );
        worker.check();
        console.log(`Terminated mid-transaction: ${JSON.stringify(cut)}; the worker rode through without a restart`);
      } finally {
        await worker.stop();
      }
      await expectRecovered(database, mailbox);
      // A dropped connection is not the message's fault: no attempt was counted against any.
      expect(
        await db
          .select({ id: inboundMessages.id })
          .from(inboundMessages)
          .where(and(eq(inboundMessages.mailboxId, mailbox.mailboxId), sql`${inboundMessages.attempts} > 0`)),
      ).toEqual([]);
    });
  } else {
    it('cannot happen on PGlite, which runs inside the worker process; its nearest fault, the process killed mid-transaction, leaves no trace of that transaction', {
      timeout: 90_000,
    }, async () => {
      const database = await faultDatabase();
      const count = 40;
      const mailbox = await seedBulkMailbox(context.harness, database.handle, {
        key: 'FPL',
        address: address('pglite-drop'),
        count,
        protocol: 'imap',
        afterProcessing: 'mark_read',
      });
      // Killed inside the transaction filing the first stored messages, after it locked them and
      // added their senders as customers: nothing of it remains.
      await crashAt(database, mailbox, { before: FILE, nth: 1 }, { stored: count, pending: count, requests: 0, seen: 0 });
      const { db } = database.handle;
      expect(await db.select({ id: customers.id }).from(customers)).toEqual([]);
      expect(
        await db
          .select({ id: inboundMessages.id })
          .from(inboundMessages)
          .where(sql`${inboundMessages.attempts} > 0 or ${inboundMessages.requestId} is not null`),
      ).toEqual([]);
      await recover(database, mailbox, (messages) => messages.length === count && messages.every((message) => message.flags.includes('\\Seen')));
      await expectRecovered(database, mailbox);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// PostgreSQL itself failing under a worker that is never restarted: a server of the test's own
// (private-postgres.ts), restarted, cut off behind a proxy, its backends terminated at random.

/** What a probe of the test's own reads while the server is down: not yet, rather than an error. */
function unlessDatabaseDown<T>(probe: () => Promise<T>): () => Promise<T | false> {
  return () =>
    probe().catch((error: unknown) => {
      if (databaseConnectionLost(error)) return false;
      throw error;
    });
}

/** Every message filed once, marked read on the server, and the channel Active again, with the worker alive throughout. */
async function waitUntilImported(
  database: FaultDatabase,
  worker: ReturnType<typeof workerThatMustSurvive>,
  mailbox: BulkMailbox,
  timeoutMs: number,
): Promise<void> {
  const count = mailbox.subjects.length;
  await waitUntil(
    'every message is filed and marked read, the channel Active',
    unlessDatabaseDown(async () => {
      worker.check();
      const progress = await readIngestionProgress(database.handle);
      if (progress.settled < count || progress.pending > 0 || progress.serverActionsPending > 0 || progress.mailboxesNotActive > 0) return false;
      return (await seenOnServer(context.harness, mailbox.address)) === count;
    }),
    timeoutMs,
    () => worker.output,
  );
  worker.check();
}

/** How often the harness's SMTP server accepted each of `messageIds`. */
async function timesSent(messageIds: string[]): Promise<Map<string, number>> {
  const sent = new Map(messageIds.map((id) => [id, 0]));
  for (const message of await context.harness.sentMessages()) {
    const id = /^Message-ID:\s*<([^>]+)>/im.exec(message.raw.toString('utf8'))?.[1];
    if (id && sent.has(id)) sent.set(id, sent.get(id)! + 1);
  }
  return sent;
}

/**
 * Counts, at the SMTP server, what became of the emails of `outbound` rows: never sent, and sent
 * more than once; adds them to the hardening figures, then requires both to be zero.
 */
async function expectSentExactlyOnce(messageIds: string[]): Promise<void> {
  const sent = [...(await timesSent(messageIds)).values()];
  const unsent = sent.filter((times) => times === 0).length;
  const sentTwice = sent.reduce((sum, times) => sum + Math.max(0, times - 1), 0);
  addFigures('faults', { sent: messageIds.length, unsent, sentTwice });
  expect({ unsent, sentTwice }).toEqual({ unsent: 0, sentTwice: 0 });
}

// PostgreSQL only: PGlite runs inside the worker process and cannot be restarted or cut off under it.
describe.runIf(process.env.TEST_DATABASE_URL)('PostgreSQL restarted, unreachable and terminating backends under a worker that is never restarted', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await PrivatePostgres.start();
  }, 60_000);
  afterAll(async () => {
    // Databases on it are dropped with it.
    for (const database of privateDatabases) await database.handle.close().catch(() => {});
    await server?.destroy();
  });
  const privateDatabases: FaultDatabase[] = [];
  async function privateDatabase(): Promise<FaultDatabase> {
    const database = await FaultDatabase.create(server.url);
    privateDatabases.push(database);
    return database;
  }
  const appName = 'intake-faults-worker';

  /**
   * A database of its own on the server, an empty channel for `count` messages to come, and a
   * worker (given `env`) that has polled it once.
   */
  async function channelWithWorker(key: string, name: string, count: number, env: (database: FaultDatabase) => Record<string, string> = () => ({})) {
    const database = await privateDatabase();
    const mailbox = await seedBulkMailbox(context.harness, database.handle, {
      key,
      address: address(name),
      count: 0,
      protocol: 'imap',
      afterProcessing: 'mark_read',
    });
    mailbox.subjects.push(...subjectsFor(key, count));
    const worker = workerThatMustSurvive(() => database.startWorker(context.harness.caFile, { env: { PGAPPNAME: appName, ...env(database) } }));
    try {
      await waitForFirstPoll(database, worker, mailbox);
    } catch (error) {
      await worker.stop();
      throw error;
    }
    return { database, db: database.handle.db, mailbox, worker };
  }

  it('pg_ctl restart -m fast during a backlog import, while it stores and while it files: every message filed once, the channel Active again', {
    timeout: 180_000,
  }, async () => {
    const { database, db, mailbox, worker } = await channelWithWorker('FRS', 'pg-restart', 300);
    const started = Date.now();
    try {
      // Storing: the worker's transaction has inserted the messages and waits to move the cursor.
      const releaseCursors = await holdLock(db, sql`lock table mailbox_cursors in share mode`);
      await context.harness.deliverMany(mailbox.address, messages(mailbox.address, mailbox.subjects, 2_000));
      await waitForLockWait(database, appName, 'mailbox_cursors', { terminate: false, describe: () => worker.output });
      await server.restart({ mode: 'fast' });
      await releaseCursors().catch(() => {});
      // Filing: its transaction waits for the request counter when the server goes.
      const releaseCounter = await holdLock(db, sql`select id from projects where id = ${mailbox.projectId} for no key update`);
      await waitForLockWait(database, appName, '"projects"', { terminate: false, describe: () => worker.output });
      const filedBefore = (await readIngestionProgress(database.handle)).requests;
      await server.restart({ mode: 'fast' });
      await releaseCounter().catch(() => {});
      expect(filedBefore).toBeLessThan(mailbox.subjects.length);
      await waitUntilImported(database, worker, mailbox, 120_000);
      console.log(`PostgreSQL restarted twice during a 300-message import: all filed ${Math.round((Date.now() - started) / 1000)} s after the start`);
    } finally {
      await worker.stop();
    }
    await expectRecovered(database, mailbox);
  });

  it('pg_ctl restart -m fast while confirmations go out, one of them accepted by the SMTP server and not yet recorded: each sent exactly once', {
    timeout: 180_000,
  }, async () => {
    const { harness } = context;
    const { database, db, mailbox, worker } = await channelWithWorker('FSD', 'pg-send', 200, () => ({ INTAKE_CONFIRMATIONS_PER_HOUR: '1000' }));
    await db.update(projects).set({ sendConfirmations: true }).where(eq(projects.id, mailbox.projectId));
    // 200 confirmations at once: above the default pace (60 a minute), which provider-limits.test proves.
    await db
      .update(mailboxes)
      .set({ smtpHost: harness.host, smtpPort: harness.smtp.tlsPort, smtpSecurity: 'tls', sendLimitPerMinute: 1000 })
      .where(eq(mailboxes.id, mailbox.mailboxId));
    const queued = () => db.select({ messageId: outboundMessages.messageId, status: outboundMessages.status }).from(outboundMessages);
    const started = Date.now();
    try {
      await harness.deliverMany(mailbox.address, messages(mailbox.address, mailbox.subjects));
      await waitUntil(
        'the first confirmations went out',
        async () => {
          worker.check();
          return (await queued()).filter((row) => row.status === 'sent').length >= 5;
        },
        90_000,
        () => worker.output,
      );
      // Confirmations claimed for sending and not yet sent are locked: the SMTP server accepts
      // them, recording them as sent waits, and the server goes.
      const release = await waitUntil(
        'a confirmation is being sent',
        () =>
          holdLock(db, sql`select id from outbound_messages where status = 'queued' and claimed_until > now() for no key update`, (rows) => rows.length > 0),
        30_000,
      );
      const waiting = await waitForLockWait(database, appName, '^update "outbound_messages" set "status"', { terminate: false, describe: () => worker.output });
      await server.restart({ mode: 'fast' });
      await release().catch(() => {});
      await waitUntil(
        'every confirmation is recorded as sent',
        unlessDatabaseDown(async () => {
          worker.check();
          const rows = await queued();
          return rows.length === mailbox.subjects.length && rows.every((row) => row.status === 'sent');
        }),
        120_000,
        () => worker.output,
      );
      await waitUntilImported(database, worker, mailbox, 60_000);
      console.log(
        `PostgreSQL restarted while sending (${waiting.length} sent, not yet recorded): ${mailbox.subjects.length} confirmations out ${Math.round((Date.now() - started) / 1000)} s after the start`,
      );
    } finally {
      await worker.stop();
    }
    await expectRecovered(database, mailbox);
    await expectSentExactlyOnce((await queued()).map((row) => row.messageId));
  });

  it('the database unreachable for 30 s (a black hole between worker and server): the worker rides it out and files the mail that came meanwhile once', {
    timeout: 180_000,
  }, async () => {
    const proxy = await TcpProxy.start('127.0.0.1', { host: '127.0.0.1', port: server.port });
    const throughProxy = (database: FaultDatabase) => {
      const url = new URL(database.url);
      url.port = String(proxy.port);
      return { DATABASE_URL: url.toString() };
    };
    const { database, mailbox, worker } = await channelWithWorker('FBH', 'pg-away', 150, throughProxy);
    const before = mailbox.subjects.slice(0, 50);
    const meanwhile = mailbox.subjects.slice(50);
    try {
      await context.harness.deliverMany(mailbox.address, messages(mailbox.address, before));
      await waitUntil(
        'the first mail is filed',
        async () => {
          worker.check();
          return (await readIngestionProgress(database.handle)).requests === before.length;
        },
        60_000,
        () => worker.output,
      );
      proxy.startBlackHole();
      const cutAt = Date.now();
      await context.harness.deliverMany(mailbox.address, messages(mailbox.address, meanwhile));
      // The outage lasts 30 s whatever the worker does: nothing to wait for but the time.
      await sleep(30_000);
      worker.check();
      expect((await readIngestionProgress(database.handle)).requests).toBe(before.length);
      proxy.endBlackHole();
      const backAt = Date.now();
      await waitUntilImported(database, worker, mailbox, 120_000);
      console.log(
        `Database unreachable for ${Math.round((backAt - cutAt) / 1000)} s: the mail of meanwhile filed ${Math.round((Date.now() - backAt) / 1000)} s after it came back`,
      );
    } finally {
      await worker.stop();
      await proxy.close();
    }
    await expectRecovered(database, mailbox);
  });

  it('pg_terminate_backend of the worker’s connections at random points of an import: nothing lost or twice, the channel Active again', {
    timeout: 240_000,
  }, async () => {
    // Large enough that the import outlasts several cuts: 500 messages were sometimes filed after 4.
    const { database, mailbox, worker } = await channelWithWorker('FTR', 'pg-random', 1_000);
    let terminated = 0;
    try {
      await context.harness.deliverMany(mailbox.address, messages(mailbox.address, mailbox.subjects, 2_000));
      // Cut only once the job runner has started (pg-boss's schema set up): the test is of a running worker.
      await waitUntil(
        'the worker has registered',
        async () => (await database.handle.query<{ n: number }>('select count(*)::int as n from workers'))[0]!.n > 0,
        60_000,
        () => worker.output,
      );
      // One of the worker's backends (its own pool's or the job queue's) every 50 to 300 ms, until
      // everything is filed (or for 60 s at most).
      const until = Date.now() + 60_000;
      while (Date.now() < until && (await readIngestionProgress(database.handle)).settled < mailbox.subjects.length) {
        worker.check();
        const cut = await database.handle.query<{ pid: number }>(
          `select pid from pg_stat_activity where datname = current_database() and application_name in ($1, 'intake-jobs')
           order by random() limit 1`,
          [appName],
        );
        if (cut[0]) terminated += (await database.handle.query<{ done: boolean }>('select pg_terminate_backend($1) as done', [cut[0].pid]))[0]?.done ? 1 : 0;
        await sleep(50 + Math.random() * 250);
      }
      expect(terminated).toBeGreaterThan(5);
      await waitUntilImported(database, worker, mailbox, 120_000);
      console.log(`Terminated ${terminated} of the worker's backends at random during a ${mailbox.subjects.length}-message import; it rode through`);
    } finally {
      await worker.stop();
    }
    await expectRecovered(database, mailbox);
  });
});
