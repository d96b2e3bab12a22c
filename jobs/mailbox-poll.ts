import { z } from 'zod';
import { getEnv } from '@/lib/env';
import { type PollOutcome, pollMailbox } from '@/lib/ingest/poll-mailbox';
import { defineJob, type JobContext } from './job-definition';

/** One poll by this runner, whether a queued job or an IDLE wake-up asked for it. */
export function pollMailboxNow({ database, workerId, stopping }: JobContext, mailboxId: string): Promise<PollOutcome> {
  const env = getEnv();
  return pollMailbox({
    database,
    mailboxId,
    workerId,
    stopping,
    pollIntervalSeconds: env.INTAKE_POLL_INTERVAL_SECONDS,
    maxMessageBytes: env.INTAKE_MAX_MESSAGE_BYTES,
  });
}

/**
 * Polls one mailbox. The queue is `short` with the mailbox id as singleton key: at most one poll
 * waits per mailbox, and the mailbox lease lets only one run. Not `stately`: the job of a killed
 * worker stays active until it expires (after 15 minutes, seen by maintenance every 2), and
 * activating that mailbox's next job violates stately's one-active-per-key index; pg-boss
 * swallows the error and returns no job, and as that job is the oldest, every fetch of the queue
 * comes back empty: no mailbox is polled at all. Here a dead active job blocks nothing; the
 * dispatcher queues a new one as soon as the dead poll's lease has run out.
 */
export const mailboxPollJob = defineJob({
  name: 'mailbox-poll',
  data: z.object({ mailboxId: z.uuid() }),
  queue: { policy: 'short', retryLimit: 0, expireInSeconds: 15 * 60, retentionMinutes: 60 },
  concurrency: 4,
  pollingIntervalSeconds: 0.5,
  async handle(context, { mailboxId }) {
    await pollMailboxNow(context, mailboxId);
  },
});
