import type { Harness } from '../../harness';
import { seedAdmin } from '../../support/fixtures';
import { WorkerDatabase, type WorkerProcess } from '../../support/worker-processes';
import { mapLimited, projectKey, seedChannel, startPolling } from '../support/channel';
import { timeIngestion } from '../support/ingestion-clock';
import { backlogMessages } from '../support/messages';
import { startBenchWorker } from '../support/workers';

export interface ScaleoutFigures {
  mailboxes: number;
  messages: number;
  oneWorkerMsgsPerS: number;
  twoWorkersMsgsPerS: number;
  /** Requests beyond one per message, over both runs. */
  duplicates: number;
}

/** Requests whose message became more than one request, plus messages that became none. */
async function countDuplicates(database: WorkerDatabase, expected: number): Promise<number> {
  const [row] = await database.handle.query<{ requests: number; distinct: number }>(
    'select count(*)::int as "requests", count(distinct summary)::int as "distinct" from requests',
  );
  return row!.requests - row!.distinct + Math.abs(expected - row!.distinct);
}

async function scaleoutRun(harness: Harness, addresses: string[], expected: number, workers: number): Promise<{ msgsPerS: number; duplicates: number }> {
  const database = await WorkerDatabase.create();
  try {
    const admin = await seedAdmin(database.handle.db);
    await mapLimited(addresses, 4, (address, index) =>
      seedChannel(harness, database.handle, admin, { key: projectKey('S', index), address, protocol: 'imap', afterProcessing: 'mark_read' }),
    );
    const running: WorkerProcess[] = [];
    try {
      for (let index = 0; index < workers; index++) running.push(await startBenchWorker(database, harness, { INTAKE_IDLE: '0' }));
      const { seconds } = await timeIngestion(
        database.handle,
        expected,
        600_000,
        () => startPolling(database.handle),
        () => running.map((worker) => worker.output).join('\n'),
      );
      return { msgsPerS: expected / seconds, duplicates: await countDuplicates(database, expected) };
    } finally {
      await Promise.all(running.map((worker) => worker.stop()));
    }
  } finally {
    await database.drop();
  }
}

/**
 * Busy mailboxes (IMAP, the backlog mix) filed by one worker process, then by two sharing the
 * database, each time from scratch; the mailboxes keep their mail, marked read, between runs.
 */
export async function runScaleout(harness: Harness, mailboxes: number, perMailbox: number): Promise<ScaleoutFigures> {
  const addresses = Array.from({ length: mailboxes }, (_, index) => `busy${index}@busy.test`);
  await harness.addUsers(addresses.map((email) => ({ email, password: `pw-${email}-0123456789` })));
  for (const [index, address] of addresses.entries()) {
    await harness.deliverMany(
      address,
      backlogMessages(perMailbox, address, `Busy ${index}`).map((message) => message.raw),
    );
  }
  const expected = mailboxes * perMailbox;
  const one = await scaleoutRun(harness, addresses, expected, 1);
  const two = await scaleoutRun(harness, addresses, expected, 2);
  return { mailboxes, messages: expected, oneWorkerMsgsPerS: one.msgsPerS, twoWorkersMsgsPerS: two.msgsPerS, duplicates: one.duplicates + two.duplicates };
}
