import { beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../harness';
import { type BulkMailbox, expectEachMessageFiledOnce, seedBulkMailbox, waitUntil, waitUntilAllHandled } from '../support/bulk-ingestion';
import { useHarness } from '../support/harness';
import { type IngestionProgress, WorkerDatabase, type WorkerProcess } from '../support/worker-processes';

// A worker process is SIGKILLed again and again while it ingests 1,000 messages, at points
// observed from outside (how far the database got) plus a random 100-400 ms, and restarted
// each time. Afterwards every message must be one request, none twice, none lost, and handled
// on the server as the channel says.

const MESSAGES = 1000;

interface KillPoint {
  what: string;
  reached(progress: IngestionProgress): boolean;
}

/**
 * Ordered so that each is reached only after the previous restart made progress. Four, because
 * on PostgreSQL each costs a lease expiry (up to 30 s) before another worker may take over.
 */
const killPoints: KillPoint[] = [
  { what: 'first messages stored', reached: (progress) => progress.stored >= 20 },
  { what: 'a third filed', reached: (progress) => progress.requests >= 330 },
  { what: 'more than half stored', reached: (progress) => progress.stored >= 650 },
  { what: 'most filed', reached: (progress) => progress.requests >= 800 },
];

interface Kill {
  what: string;
  /** Since the first worker started. */
  atMs: number;
  delayMs: number;
  /** What the database held once the worker was dead (PGlite: its last report, at most 100 ms earlier). */
  left: IngestionProgress;
}

type ServerDone = Parameters<typeof waitUntilAllHandled>[4];

let harness: Harness;
beforeAll(async () => {
  harness = await useHarness();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ingestThroughKills(database: WorkerDatabase, mailbox: BulkMailbox, serverDone: ServerDone): Promise<Kill[]> {
  const kills: Kill[] = [];
  const started = Date.now();
  let worker: WorkerProcess = database.startWorker(harness.caFile);
  try {
    for (const point of killPoints) {
      let atStart: IngestionProgress | null = null;
      const progress = await waitUntil(
        `the worker reaches "${point.what}"`,
        async () => {
          const now = await database.progress(worker);
          if (!now) return null;
          atStart ??= now;
          // Killed while it works, not while it boots.
          return now.stored + now.requests > atStart.stored + atStart.requests && point.reached(now) && now;
        },
        90_000,
        () => `Last progress: ${JSON.stringify(worker.progress)}; kills so far: ${JSON.stringify(kills)}.\n${worker.output}`,
      );
      const delayMs = 100 + Math.floor(Math.random() * 300);
      await sleep(delayMs);
      const last = worker.progress;
      await worker.kill();
      const left = database.kind === 'postgres' ? (await database.progress(worker))! : (last ?? progress);
      kills.push({ what: point.what, atMs: Date.now() - started, delayMs, left });
      worker = database.startWorker(harness.caFile);
    }
    await waitUntilAllHandled(database, [worker], harness, mailbox, serverDone, 150_000);
    // Nothing more may happen on the next polls: wait for one and look again.
    await sleep(6_000);
  } finally {
    await worker.stop();
  }
  return kills;
}

/** Seeds the channel with 1,000 messages, ingests them through the kills, and checks the outcome. */
async function crashRun(channel: Omit<Parameters<typeof seedBulkMailbox>[2], 'count'>, serverDone: ServerDone): Promise<Kill[]> {
  const database = await WorkerDatabase.create();
  try {
    const mailbox = await seedBulkMailbox(harness, database.handle, { ...channel, count: MESSAGES });
    await database.handOver();
    const started = Date.now();
    const kills = await ingestThroughKills(database, mailbox, serverDone);
    console.log(`${channel.protocol} crash run on ${database.kind}: ${Math.round((Date.now() - started) / 1000)} s, kills ${JSON.stringify(kills)}`);
    expect(kills.length).toBeGreaterThanOrEqual(4);
    expect(kills.every((kill) => kill.left.settled < MESSAGES)).toBe(true);
    await expectEachMessageFiledOnce(await database.takeBack(), mailbox);
    return kills;
  } finally {
    await database.drop();
  }
}

describe('a worker killed again and again while it ingests 1,000 messages', () => {
  it('IMAP, After processing = mark as read: files each message once and marks every one read', { timeout: 300_000 }, async () => {
    const kills = await crashRun({ key: 'CRI', address: 'crash-imap@crash.test', protocol: 'imap', afterProcessing: 'mark_read' }, (messages) => messages.length === MESSAGES && messages.every((message) => message.flags.includes('\\Seen')));
    // The kills hit the windows that matter: messages stored but not filed, filed but not yet marked read.
    expect(kills.some((kill) => kill.left.pending > 0)).toBe(true);
    expect(kills.some((kill) => kill.left.serverActionsPending > 0)).toBe(true);
  });

  it('POP3, After processing = delete: files each message once and leaves the mailbox empty', { timeout: 300_000 }, async () => {
    const kills = await crashRun({ key: 'CRP', address: 'crash-pop@crash.test', protocol: 'pop3', afterProcessing: 'delete' }, (messages) => messages.length === 0);
    // POP3 deletes only at a clean QUIT, after the whole listing: every kill left deletions to do.
    expect(kills.every((kill) => kill.left.serverActionsPending > 0 || kill.left.settled === 0)).toBe(true);
  });
});
