import { log } from '@/lib/log';
import type { JobContext } from './job-definition';

/**
 * Queues a job every interval. Every runner does, and pg-boss keeps one job per interval
 * (singletonKey); two runs overlapping still send nothing twice, as each claims its rows.
 */
export function startRecurringJob(context: JobContext, name: string, intervalMs: number): { stop(): void } {
  const queue = () =>
    context
      .send(name, {}, { singletonKey: name, singletonSeconds: intervalMs / 1000 })
      .catch((error: unknown) => log.warn('jobs.schedule_failed', { job: name, error }));
  const timer = setInterval(queue, intervalMs);
  timer.unref();
  void queue();
  return { stop: () => clearInterval(timer) };
}
