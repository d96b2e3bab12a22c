import { z } from 'zod';
import { sendOutboundMessage } from '@/lib/outbound/send-outbound-message';
import { defineJob } from './job-definition';

/** Delivers one queued email (reply or confirmation); failures are rescheduled by the message itself. */
export const outboundSendJob = defineJob({
  name: 'outbound-send',
  data: z.object({ outboundId: z.uuid() }),
  // `short`, not `stately`: a killed worker's active job must not block the next send (see mailbox-poll).
  queue: { policy: 'short', retryLimit: 0, expireInSeconds: 10 * 60, retentionMinutes: 60 },
  concurrency: 2,
  pollingIntervalSeconds: 0.5,
  async handle({ database }, { outboundId }) {
    await sendOutboundMessage(database, outboundId);
  },
});
