import { z } from 'zod';
import { sendAdminAlerts } from '@/lib/admin-alerts/send-admin-alerts';
import { getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { defineJob, type JobContext } from './job-definition';

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

/**
 * Queues the alerts run every minute. Every runner does, and pg-boss keeps one job per minute
 * (singletonKey); two runs overlapping still send nothing twice, as each claims its rows.
 */
export function startAdminAlertSchedule(context: JobContext): { stop(): void } {
  const queue = () =>
    context
      .send(adminAlertsJob.name, {}, { singletonKey: adminAlertsJob.name, singletonSeconds: ADMIN_ALERTS_INTERVAL_MS / 1000 })
      .catch((error: unknown) => log.warn('admin_alert.schedule_failed', { error }));
  const timer = setInterval(queue, ADMIN_ALERTS_INTERVAL_MS);
  timer.unref();
  void queue();
  return { stop: () => clearInterval(timer) };
}
