import { randomBytes } from 'node:crypto';
import type { Harness } from '../../harness';
import { seedAdmin } from '../../support/fixtures';
import { WorkerDatabase } from '../../support/worker-processes';
import { seedChannel, startPolling } from '../support/channel';
import { timeIngestion } from '../support/ingestion-clock';
import { composeMessage, proseOf } from '../support/messages';
import { rssMb, watchPeakRss } from '../support/process-stats';
import { sleep } from '../support/stats';
import { startBenchWorker } from '../support/workers';

export interface LargeMailFigures {
  messageMb: number;
  seconds: number;
  rssIncreaseMb: number;
}

/** Three binary attachments, base64 in the message: 25 MB (decimal) in all, under the 25 MiB default limit. */
function largeMessage(to: string): Buffer {
  const attachmentBytes = 6_100_000;
  return composeMessage({
    to,
    messageId: `large-${randomBytes(4).toString('hex')}@bench.test`,
    from: { address: 'large-sender@bench.test', name: 'Large Sender' },
    subject: 'Scans of the whole archive',
    text: proseOf(20_000, 7),
    attachments: ['scan-1.pdf', 'scan-2.pdf', 'photos.zip'].map((filename) => ({
      filename,
      contentType: 'application/octet-stream',
      content: randomBytes(attachmentBytes),
    })),
  }).raw;
}

/** One large message on an otherwise idle worker: time to its request and the worker's peak memory above its resting size. */
export async function runLargeMail(harness: Harness): Promise<LargeMailFigures> {
  const address = 'large@bench.test';
  const raw = largeMessage(address);
  await harness.addUser(address, `pw-${address}-0123456789`);
  await harness.deliver(address, raw);
  const database = await WorkerDatabase.create();
  try {
    const admin = await seedAdmin(database.handle.db);
    const channel = await seedChannel(harness, database.handle, admin, { key: 'BIG', address, protocol: 'imap', afterProcessing: 'mark_read' });
    const worker = await startBenchWorker(database, harness, { INTAKE_IDLE: '0' });
    try {
      // Resting size after start-up has settled (modules loaded, first timers run).
      await sleep(3_000);
      const resting = await rssMb(worker.pid);
      const peak = watchPeakRss(worker.pid, 20);
      const { seconds } = await timeIngestion(
        database.handle,
        1,
        120_000,
        () => startPolling(database.handle, [channel.mailboxId]),
        () => worker.output,
      );
      // Memory may still climb while the poll finishes (flags, bookkeeping).
      await sleep(1_000);
      return { messageMb: raw.length / 1e6, seconds, rssIncreaseMb: (await peak.stop()) - resting };
    } finally {
      await worker.stop();
    }
  } finally {
    await database.drop();
  }
}
