import { getEnv } from '@/lib/env';
import { dueMailboxes } from '@/lib/ingest/due-mailboxes';
import { claimIdleMailboxes, pollSoon, releaseIdleMailboxes } from '@/lib/ingest/idle-lease';
import { log } from '@/lib/log';
import { IdleListener } from './idle-listener';
import type { JobContext } from './job-definition';
import { mailboxPollJob, pollMailboxNow } from './mailbox-poll';

const DISPATCH_INTERVAL_MS = 2_000;
const IDLE_SUPERVISE_INTERVAL_MS = 15_000;

export interface MailboxScheduler {
  stop(): Promise<void>;
}

/**
 * Per runner process: queues a poll job for every mailbox that is due, and keeps IMAP IDLE
 * listeners for this worker's share of mailboxes, polling at once when mail arrives.
 */
export function startMailboxScheduler(context: JobContext): MailboxScheduler {
  const { database, workerId } = context;
  const env = getEnv();
  const listeners = new Map<string, IdleListener>();
  const running = new Map<string, { again: boolean; done: Promise<void> }>();
  let stopped = false;

  // Coalesces bursts of IDLE notifications into one poll at a time per mailbox.
  const pollNow = (mailboxId: string) => {
    const state = running.get(mailboxId);
    if (state) {
      state.again = true;
      return;
    }
    const current = { again: false, done: Promise.resolve() };
    running.set(mailboxId, current);
    current.done = (async () => {
      do {
        current.again = false;
        const outcome = await pollMailboxNow(context, mailboxId).catch((error: unknown) => {
          log.error('mailbox.poll_crashed', { mailboxId, error });
          return null;
        });
        if (outcome && !outcome.polled) await pollSoon(database.db, mailboxId).catch(() => {});
      } while (current.again && !stopped);
      running.delete(mailboxId);
    })();
  };

  const dispatch = async () => {
    for (const mailboxId of await dueMailboxes(database.db)) {
      await context.send(mailboxPollJob.name, { mailboxId }, { singletonKey: mailboxId });
    }
  };

  const supervise = async () => {
    const wanted = new Set(env.INTAKE_IDLE ? await claimIdleMailboxes(database.db, workerId) : []);
    for (const [mailboxId, listener] of listeners) {
      if (!wanted.has(mailboxId)) {
        listeners.delete(mailboxId);
        await listener.stop();
      }
    }
    for (const mailboxId of wanted) {
      if (!listeners.has(mailboxId)) listeners.set(mailboxId, new IdleListener(database, mailboxId, () => pollNow(mailboxId)));
    }
  };

  const guarded = (name: string, work: () => Promise<void>) => () => {
    if (!stopped) work().catch((error: unknown) => log.warn(`scheduler.${name}_failed`, { workerId, error }));
  };
  const dispatchTimer = setInterval(guarded('dispatch', dispatch), DISPATCH_INTERVAL_MS);
  const superviseTimer = setInterval(guarded('supervise', supervise), IDLE_SUPERVISE_INTERVAL_MS);
  guarded('dispatch', dispatch)();
  guarded('supervise', supervise)();

  return {
    async stop() {
      stopped = true;
      clearInterval(dispatchTimer);
      clearInterval(superviseTimer);
      await Promise.all([...listeners.values()].map((listener) => listener.stop()));
      listeners.clear();
      // Polls an IDLE wake-up started stop at their next message (context.stopping) and give
      // their mailboxes up; a process that exited under them would leave the leases to run out.
      await Promise.all([...running.values()].map((poll) => poll.done));
      await releaseIdleMailboxes(database.db, workerId).catch(() => {});
    },
  };
}
