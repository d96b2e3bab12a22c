import { z } from 'zod';
import { sendAdminAlerts } from '@/lib/admin-alerts/send-admin-alerts';
import { getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { defineJob, type JobContext } from './job-definition';
import { startRecurringJob } from './recurring-job';

/** Opens, reminds and closes admin alerts; state lives in admin_alerts, so any worker may run it. */
export const adminAlertsJob = defineJob({
  name: 'admin-alerts',
  data: z.object({}),
  queue: { retryLimit: 0, expireInSeconds: 300, retentionMinutes: 60 },
  async handle({ database }) {
    const report = await sendAdminAlerts({ database, now: new Date(), graceMinutes: getEnv().INTAKE_ALERT_GRACE_MINUTES });
    if (report.notificationsOff && report.opened > 0) log.warn('admin_alert.notifications_off', { opened: report.opened });
  },
});

const ADMIN_ALERTS_INTERVAL_MS = 60_000;

/** Queues the alerts run every minute. */
export function startAdminAlertSchedule(context: JobContext): { stop(): void } {
  return startRecurringJob(context, adminAlertsJob.name, ADMIN_ALERTS_INTERVAL_MS);
}
