import { beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../harness';
import { type BulkMailbox, expectEachMessageFiledOnce, seedBulkMailbox, waitUntil, waitUntilAllHandled } from '../support/bulk-ingestion';
import { useHarness } from '../support/harness';
import { type IngestionProgress, WorkerDatabase, type WorkerProcess } from '../support/worker-processes';

// A worker process is SIGKILLed again and again while it ingests 1,000 messages, each time a
// random 100-400 ms after it was seen making progress (observed from outside: how far the
// database got), and restarted. Afterwards every message must be one request, none twice,
// none lost, and handled on the server as the channel says.

const MESSAGES = 1000;
/** Each costs a lease expiry on PostgreSQL (up to 30 s). */
const MAX_KILLS = 5;
const MAX_RUNS = 3;

interface Kill {
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

/** Work done so far: stored, filed, and done on the server; it only grows. */
const workDone = (progress: IngestionProgress) => progress.stored + progress.requests + (progress.settled - progress.serverActionsPending);
const unfinished = (progress: IngestionProgress) => progress.settled < MESSAGES || progress.serverActionsPending > 0;

async function ingestThroughKills(database: WorkerDatabase, mailbox: BulkMailbox, serverDone: ServerDone): Promise<Kill[]> {
  const kills: Kill[] = [];
  const started = Date.now();
  let worker: WorkerProcess = database.startWorker(harness.caFile);
  try {
    while (kills.length < MAX_KILLS) {
      let atStart: IngestionProgress | null = null;
      // Killed while it works, not while it boots: once it got further than where it started.
      const progress = await waitUntil(
        'the restarted worker makes progress, or all is done',
        async () => {
          const now = await database.progress(worker);
          if (!now) return null;
          atStart ??= now;
          return (workDone(now) > workDone(atStart) || !unfinished(now)) && now;
        },
        90_000,
        () => `Last progress: ${JSON.stringify(worker.progress)}; kills so far: ${JSON.stringify(kills)}.\n${worker.output}`,
      );
      if (!unfinished(progress)) break;
      const delayMs = 100 + Math.floor(Math.random() * 300);
      await sleep(delayMs);
      const last = worker.progress;
      await worker.kill();
      const left = database.kind === 'postgres' ? (await database.progress(worker))! : (last ?? progress);
      // Dead after the work was done: not a kill that tested anything.
      if (unfinished(left)) kills.push({ atMs: Date.now() - started, delayMs, left });
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

/**
 * Seeds a channel with 1,000 messages, ingests them through the kills, and checks the outcome;
 * again on a fresh database and mailbox while the kills so far did not hit what `enough` asks
 * for (how many kills find work left depends on how fast this machine ingests), up to three runs.
 */
async function crashRuns(
  channel: Omit<Parameters<typeof seedBulkMailbox>[2], 'count' | 'address'>,
  serverDone: ServerDone,
  enough: (kills: Kill[]) => boolean,
): Promise<Kill[]> {
  const kills: Kill[] = [];
  for (let run = 1; run <= MAX_RUNS && !enough(kills); run++) {
    const database = await WorkerDatabase.create();
    try {
      const mailbox = await seedBulkMailbox(harness, database.handle, { ...channel, address: `crash-${channel.protocol}-${run}@crash.test`, count: MESSAGES });
      await database.handOver();
      const started = Date.now();
      const runKills = await ingestThroughKills(database, mailbox, serverDone);
      console.log(
        `${channel.protocol} crash run ${run} on ${database.kind}: ${Math.round((Date.now() - started) / 1000)} s, kills ${JSON.stringify(runKills)}`,
      );
      await expectEachMessageFiledOnce(await database.takeBack(), mailbox);
      kills.push(...runKills);
    } finally {
      await database.drop();
    }
  }
  return kills;
}

describe('a worker killed again and again while it ingests 1,000 messages', () => {
  it('IMAP, After processing = mark as read: files each message once and marks every one read', { timeout: 900_000 }, async () => {
    // At least four kills, and among them the windows that matter: messages stored but not
    // filed, filed but not yet marked read.
    const enough = (kills: Kill[]) =>
      kills.length >= 4 && kills.some((kill) => kill.left.pending > 0) && kills.some((kill) => kill.left.serverActionsPending > 0);
    const kills = await crashRuns(
      { key: 'CRI', protocol: 'imap', afterProcessing: 'mark_read' },
      (messages) => messages.length === MESSAGES && messages.every((message) => message.flags.includes('\\Seen')),
      enough,
    );
    expect(enough(kills), `kills: ${JSON.stringify(kills)}`).toBe(true);
  });

  it('POP3, After processing = delete: files each message once and leaves the mailbox empty', { timeout: 900_000 }, async () => {
    // One POP3 session stores all 1,000 in about a second, so fewer kills find work left: two at least.
    const kills = await crashRuns(
      { key: 'CRP', protocol: 'pop3', afterProcessing: 'delete' },
      (messages) => messages.length === 0,
      (found) => found.length >= 2,
    );
    expect(kills.length, `kills: ${JSON.stringify(kills)}`).toBeGreaterThanOrEqual(2);
    // POP3 deletes only at a clean QUIT, after the whole listing: every kill left deletions to do.
    expect(kills.every((kill) => kill.left.serverActionsPending > 0 || kill.left.settled === 0)).toBe(true);
  });
});
