import { z } from 'zod';
import { recordHeartbeat } from '@/lib/system/job-runner-status';
import { defineJob } from './job-definition';

/** Sent by every runner every few seconds; running it proves the queue is being worked. */
export const heartbeatJob = defineJob({
  name: 'heartbeat',
  data: z.object({ workerId: z.string().min(1) }),
  queue: { retryLimit: 0, expireInSeconds: 60, retentionMinutes: 10 },
  async handle({ database }, { workerId }) {
    await recordHeartbeat(database.db, workerId);
  },
});

export const HEARTBEAT_INTERVAL_MS = 15_000;
