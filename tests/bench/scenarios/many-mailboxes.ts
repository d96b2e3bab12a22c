import type { Harness } from '../../harness';
import { waitUntil } from '../../support/bulk-ingestion';
import { seedAdmin } from '../../support/fixtures';
import { WorkerDatabase } from '../../support/worker-processes';
import { mapLimited, projectKey, seedChannel } from '../support/channel';
import { composeMessage } from '../support/messages';
import { connectionsTo, cpuPercentOver, rssMb } from '../support/process-stats';
import { sleep } from '../support/stats';
import { startBenchWorker } from '../support/workers';

export interface ManyMailboxFigures {
  channels: number;
  connections: number;
  rssMb: number;
  idleCpuPct: number;
  secondsToAll: number;
}

const IDLE_SAMPLE_MS = 10_000;

/**
 * Many active channels, each its own Dovecot user, on one worker with IDLE: what the worker
 * holds while nothing arrives, then how long until one new message in every mailbox is a request.
 */
export async function runManyMailboxes(harness: Harness, channels: number, say: (line: string) => void): Promise<ManyMailboxFigures> {
  const addresses = Array.from({ length: channels }, (_, index) => `many${index}@many.test`);
  await harness.addUsers(addresses.map((email) => ({ email, password: `pw-${email}-0123456789` })));
  const database = await WorkerDatabase.create();
  try {
    const admin = await seedAdmin(database.handle.db);
    const started = performance.now();
    await mapLimited(addresses, 4, (address, index) =>
      seedChannel(harness, database.handle, admin, { key: projectKey('M', index), address, protocol: 'imap', afterProcessing: 'mark_read' }),
    );
    say(`${channels} channels authorized in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const worker = await startBenchWorker(database, harness);
    try {
      const port = harness.xoauth2Only.imap.tlsPort;
      // Settled: every listener connected and the poll each one starts on connecting is over.
      await waitUntil(
        'every IDLE listener is connected',
        async () => {
          const [row] = await database.handle.query<{ leased: number }>(
            'select count(*) filter (where lease_owner is not null)::int as "leased" from mailboxes',
          );
          return row!.leased === 0 && (await connectionsTo(worker.pid, port)) >= channels;
        },
        180_000,
        () => worker.output,
      );
      await sleep(3_000);
      const idleCpuPct = await cpuPercentOver(worker.pid, IDLE_SAMPLE_MS);
      const rss = await rssMb(worker.pid);
      const connections = await connectionsTo(worker.pid, port);
      const deliveredAt = performance.now();
      await mapLimited(addresses, 16, (address, index) =>
        harness.deliver(
          address,
          composeMessage({
            to: address,
            messageId: `many-${index}@bench.test`,
            from: { address: `many-sender${index}@bench.test`, name: `Sender ${index}` },
            subject: `Many ${index}`,
            text: 'Hello from one of many mailboxes.',
            attachments: [],
          }).raw,
        ),
      );
      await waitUntil(
        'every mailbox has its request',
        async () => (await database.handle.query<{ n: number }>('select count(*)::int as "n" from requests'))[0]!.n >= channels,
        180_000,
        () => worker.output,
      );
      return { channels, connections, rssMb: rss, idleCpuPct, secondsToAll: (performance.now() - deliveredAt) / 1000 };
    } finally {
      await worker.stop();
    }
  } finally {
    await database.drop();
  }
}
