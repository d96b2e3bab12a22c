import type { Harness } from '../../harness';
import { seedAdmin } from '../../support/fixtures';
import { WorkerDatabase } from '../../support/worker-processes';
import { seedChannel, startPolling } from '../support/channel';
import { timeIngestion } from '../support/ingestion-clock';
import type { BenchMessage } from '../support/messages';
import { median } from '../support/stats';
import { startBenchWorker } from '../support/workers';
import { bareImapFetch, barePop3Fetch } from './bare-fetch';
import { bareInsert } from './bare-insert';

export interface BacklogRun {
  intake: number;
  fetch: number;
  database: number;
}

export interface BacklogFigures {
  msgsPerS: number;
  vsFetch: number;
  vsDatabase: number;
  runs: BacklogRun[];
}

/**
 * One run: the bare FETCH, Intake's worker filing the whole backlog, and the bare insert, one
 * after the other on the same mailbox and messages, so that each ratio compares like with like.
 * POP3 deletes what it filed: each POP3 run gets a mailbox of its own, filled beforehand.
 */
async function backlogRun(harness: Harness, protocol: 'imap' | 'pop3', messages: BenchMessage[], run: number): Promise<BacklogRun> {
  const address = protocol === 'imap' ? 'backlog-imap@bench.test' : `backlog-pop${run}@bench.test`;
  // A mailbox Dovecot has not indexed yet: a first untimed look, so that neither side pays for it.
  const fresh = protocol === 'pop3' || run === 0;
  if (fresh) {
    await harness.addUser(address, `pw-${address}-0123456789`);
    await harness.deliverMany(
      address,
      messages.map((message) => message.raw),
    );
  }
  const database = await WorkerDatabase.create();
  try {
    const admin = await seedAdmin(database.handle.db);
    const channel = await seedChannel(harness, database.handle, admin, {
      key: 'BL',
      address,
      protocol,
      afterProcessing: protocol === 'imap' ? 'mark_read' : 'delete',
    });
    const bareFetch = protocol === 'imap' ? bareImapFetch : barePop3Fetch;
    if (fresh) await bareFetch(harness, database.handle, channel.mailboxId, address, { sizesOnly: true });
    const fetched = await bareFetch(harness, database.handle, channel.mailboxId, address);
    if (fetched.messages !== messages.length) throw new Error(`The bare fetch saw ${fetched.messages} of ${messages.length} messages.`);
    const worker = await startBenchWorker(database, harness, { INTAKE_IDLE: '0' });
    let seconds: number;
    try {
      ({ seconds } = await timeIngestion(
        database.handle,
        messages.length,
        600_000,
        () => startPolling(database.handle, [channel.mailboxId]),
        () => worker.output,
      ));
    } finally {
      await worker.stop();
    }
    const inserted = await bareInsert(messages);
    return { intake: messages.length / seconds, fetch: messages.length / fetched.seconds, database: messages.length / inserted.seconds };
  } finally {
    await database.drop();
  }
}

export async function runBacklog(
  harness: Harness,
  protocol: 'imap' | 'pop3',
  messages: BenchMessage[],
  runs: number,
  say: (line: string) => void,
): Promise<BacklogFigures> {
  const results: BacklogRun[] = [];
  for (let run = 0; run < runs; run++) {
    const result = await backlogRun(harness, protocol, messages, run);
    say(
      `${protocol} run ${run + 1}/${runs}: Intake ${result.intake.toFixed(0)} msg/s, bare fetch ${result.fetch.toFixed(0)} msg/s, bare insert ${result.database.toFixed(0)} msg/s`,
    );
    results.push(result);
  }
  return {
    msgsPerS: median(results.map((result) => result.intake)),
    vsFetch: median(results.map((result) => result.intake / result.fetch)),
    vsDatabase: median(results.map((result) => result.intake / result.database)),
    runs: results,
  };
}
