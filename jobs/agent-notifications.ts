import { z } from 'zod';
import { sendNotifications } from '@/lib/notifications/send-notifications';
import { defineJob, type JobContext } from './job-definition';
import { startRecurringJob } from './recurring-job';

/** Emails waiting notifications; state lives in notifications, so any worker may run it. */
export const agentNotificationsJob = defineJob({
  name: 'agent-notifications',
  data: z.object({}),
  queue: { retryLimit: 0, expireInSeconds: 300, retentionMinutes: 60 },
  async handle({ database }) {
    await sendNotifications({ database, now: new Date() });
  },
});

/** Short enough that news is prompt, long enough that a burst lands in one run and one digest. */
export const AGENT_NOTIFICATIONS_INTERVAL_MS = 30_000;

export function startAgentNotificationSchedule(context: JobContext): { stop(): void } {
  return startRecurringJob(context, agentNotificationsJob.name, AGENT_NOTIFICATIONS_INTERVAL_MS);
}
