import type { Harness } from '../../harness';
import { waitUntil } from '../../support/bulk-ingestion';
import { seedAdmin } from '../../support/fixtures';
import { WorkerDatabase, type WorkerProcess } from '../../support/worker-processes';
import { seedChannel, startPolling } from '../support/channel';
import { composeMessage, proseOf } from '../support/messages';
import { median, percentile, sleep } from '../support/stats';
import { startBenchWorker } from '../support/workers';

export interface LatencyFigures {
  idle: { p50: number; p95: number; p99: number; samples: number };
  /** From a channel becoming due to its message's request committed, polling only. */
  pollCycleMs: number;
  /** Expected delivery-to-request time with polling only at the default 60 s interval. */
  pollP50Ms: number;
}

const DEFAULT_POLL_INTERVAL_MS = 60_000;

const mailTo = (address: string, subject: string, index: number) =>
  composeMessage({
    to: address,
    messageId: `${subject.replaceAll(' ', '-')}@bench.test`,
    from: { address: `latency${index}@bench.test`, name: `Latency ${index}` },
    subject,
    text: proseOf(2048, index),
    attachments: [],
  }).raw;

/** Watches the requests table every 20 ms and notes when each subject first shows up. */
function watchRequests(database: WorkerDatabase): { seenAt: Map<string, number>; stop(): Promise<void> } {
  const seenAt = new Map<string, number>();
  let stopped = false;
  const watching = (async () => {
    while (!stopped) {
      const rows = await database.handle.query<{ summary: string }>('select summary from requests');
      const now = performance.now();
      for (const { summary } of rows) if (!seenAt.has(summary)) seenAt.set(summary, now);
      await sleep(20);
    }
  })();
  return {
    seenAt,
    async stop() {
      stopped = true;
      await watching;
    },
  };
}

/** Messages delivered one by one, 20–380 ms apart at random, to a channel with an IDLE listener. */
async function idleLatency(harness: Harness, database: WorkerDatabase, address: string, count: number): Promise<number[]> {
  const watcher = watchRequests(database);
  try {
    // Warm-up: the first request proves the listener is connected and idling.
    await harness.deliver(address, mailTo(address, 'IDLE warm-up', 0));
    await waitUntil('the warm-up message is filed', async () => watcher.seenAt.has('IDLE warm-up'), 60_000);
    const deliveredAt = new Map<string, number>();
    for (let index = 1; index <= count; index++) {
      const subject = `IDLE message ${index}`;
      const raw = mailTo(address, subject, index);
      deliveredAt.set(subject, performance.now());
      await harness.deliver(address, raw);
      await sleep(20 + Math.random() * 360);
    }
    await waitUntil('every IDLE message is filed', async () => [...deliveredAt.keys()].every((subject) => watcher.seenAt.has(subject)), 60_000);
    return [...deliveredAt].map(([subject, at]) => watcher.seenAt.get(subject)! - at);
  } finally {
    await watcher.stop();
  }
}

/** One message at a time on a channel without IDLE: from making it due to its request committed (dispatch tick included). */
async function pollCycles(harness: Harness, database: WorkerDatabase, address: string, mailboxId: string, cycles: number): Promise<number[]> {
  const watcher = watchRequests(database);
  const times: number[] = [];
  try {
    for (let index = 1; index <= cycles; index++) {
      const subject = `Poll message ${index}`;
      await harness.deliver(address, mailTo(address, subject, 1000 + index));
      const started = performance.now();
      await startPolling(database.handle, [mailboxId]);
      await waitUntil(`"${subject}" is filed`, async () => watcher.seenAt.has(subject), 30_000);
      times.push(watcher.seenAt.get(subject)! - started);
    }
    return times;
  } finally {
    await watcher.stop();
  }
}

async function withChannelWorker<T>(
  harness: Harness,
  address: string,
  env: Record<string, string>,
  work: (database: WorkerDatabase, mailboxId: string, worker: WorkerProcess) => Promise<T>,
): Promise<T> {
  await harness.addUser(address, `pw-${address}-0123456789`);
  const database = await WorkerDatabase.create();
  try {
    const admin = await seedAdmin(database.handle.db);
    const channel = await seedChannel(harness, database.handle, admin, { key: 'LAT', address, protocol: 'imap', afterProcessing: 'mark_read' });
    const worker = await startBenchWorker(database, harness, env);
    try {
      return await work(database, channel.mailboxId, worker);
    } finally {
      await worker.stop();
    }
  } finally {
    await database.drop();
  }
}

/**
 * With polling only, mail waits for the next poll: on average half the interval, then one
 * poll cycle. The cycle is measured; the 60 s wait is derived, as measuring it would take an hour.
 */
export async function runLatency(harness: Harness, count: number): Promise<LatencyFigures> {
  const idle = await withChannelWorker(harness, 'latency-idle@bench.test', {}, (database) => idleLatency(harness, database, 'latency-idle@bench.test', count));
  const cycles = await withChannelWorker(harness, 'latency-poll@bench.test', { INTAKE_IDLE: '0' }, (database, mailboxId) =>
    pollCycles(harness, database, 'latency-poll@bench.test', mailboxId, 5),
  );
  const pollCycleMs = median(cycles);
  return {
    idle: { p50: percentile(idle, 0.5), p95: percentile(idle, 0.95), p99: percentile(idle, 0.99), samples: idle.length },
    pollCycleMs,
    pollP50Ms: DEFAULT_POLL_INTERVAL_MS / 2 + pollCycleMs,
  };
}
