import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import type { DatabaseHandle } from '@/db/client';
import { log } from '@/lib/log';
import { markWorkerStopped, registerWorker } from '@/lib/system/job-runner-status';
import { jobDefinitions } from './definitions';
import { HEARTBEAT_INTERVAL_MS, heartbeatJob } from './heartbeat';
import type { JobContext } from './job-definition';
import { startMailboxScheduler } from './mailbox-scheduler';

export interface JobRunner {
  workerId: string;
  boss: PgBoss;
  stop(): Promise<void>;
}

export interface StartJobRunnerOptions {
  database: DatabaseHandle;
  mode: 'in-process' | 'worker';
  /** Multiplies each job's own concurrency. */
  concurrency?: number;
}

export async function startJobRunner({ database, mode, concurrency = 1 }: StartJobRunnerOptions): Promise<JobRunner> {
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const boss = new PgBoss({
    ...database.jobStore,
    schema: 'pgboss',
    application_name: 'intake-jobs',
    max: 4,
  });
  boss.on('error', (error) => log.error('jobs.error', { workerId, error }));
  await boss.start();

  const context: JobContext = {
    database,
    workerId,
    send: (name, data, options) => boss.send(name, data, options ?? {}),
  };

  for (const definition of jobDefinitions) {
    await boss.createQueue(definition.name, { name: definition.name, ...definition.queue });
    const loops = (definition.concurrency ?? 1) * concurrency;
    for (let loop = 0; loop < loops; loop++) {
      await boss.work(
        definition.name,
        { batchSize: 1, pollingIntervalSeconds: definition.pollingIntervalSeconds ?? 2 },
        async ([job]) => {
          if (!job) return;
          await definition.handle(context, definition.data.parse(job.data));
        },
      );
    }
  }

  await registerWorker(database.db, { id: workerId, hostname: hostname(), pid: process.pid, mode });
  const beat = () =>
    boss.send(heartbeatJob.name, { workerId }).catch((error) => log.warn('jobs.heartbeat_failed', { workerId, error }));
  await beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  const scheduler = startMailboxScheduler(context);
  log.info('jobs.started', { workerId, mode, database: database.kind });

  return {
    workerId,
    boss,
    async stop() {
      clearInterval(timer);
      await scheduler.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      await markWorkerStopped(database.db, workerId).catch(() => {});
      log.info('jobs.stopped', { workerId });
    },
  };
}
