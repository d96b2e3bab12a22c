import { z } from 'zod';
import { getEnv } from '@/lib/env';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { defineJob } from './job-definition';

/**
 * Polls one mailbox. The queue is `stately` with the mailbox id as singleton key: at most one
 * poll waits and one runs per mailbox; the mailbox lease guards the rest.
 */
export const mailboxPollJob = defineJob({
  name: 'mailbox-poll',
  data: z.object({ mailboxId: z.uuid() }),
  queue: { policy: 'stately', retryLimit: 0, expireInSeconds: 15 * 60, retentionMinutes: 60 },
  concurrency: 4,
  pollingIntervalSeconds: 0.5,
  async handle({ database, workerId }, { mailboxId }) {
    const env = getEnv();
    await pollMailbox({ database, mailboxId, workerId, pollIntervalSeconds: env.INTAKE_POLL_INTERVAL_SECONDS, maxMessageBytes: env.INTAKE_MAX_MESSAGE_BYTES });
  },
});
