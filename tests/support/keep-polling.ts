import type { DatabaseHandle } from '@/db/client';
import { dueMailboxes } from '@/lib/ingest/due-mailboxes';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The worker's dispatcher for one mailbox, in the test's process and without pg-boss: polls it
 * whenever it is due (its next poll time, moved by backoff or a provider's pause) and never otherwise.
 */
export function keepPolling(database: DatabaseHandle, mailboxId: string, pollIntervalSeconds: number) {
  let stopped = false;
  let polls = 0;
  const loop = (async () => {
    while (!stopped) {
      if ((await dueMailboxes(database.db)).includes(mailboxId)) {
        polls++;
        await pollMailbox({ database, mailboxId, workerId: 'test-poller', pollIntervalSeconds, maxMessageBytes: 25 * 1024 * 1024 });
      }
      await sleep(100);
    }
  })();
  return {
    get polls() {
      return polls;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
