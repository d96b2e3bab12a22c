import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import type { DatabaseHandle } from '@/db/client';
import { releaseLeasesOfEndedProcesses } from '@/lib/ingest/mailbox-lease';
import { log } from '@/lib/log';
import { retryWhileDatabaseDown } from '@/lib/runtime/retry-while-database-down';
import { ALIVE_INTERVAL_MS, markWorkerStopped, recordAlive, registerWorker } from '@/lib/system/job-runner-status';
import { startAdminAlertSchedule } from './admin-alerts';
import { startAgentNotificationSchedule } from './agent-notifications';
import { jobDefinitions } from './definitions';
import { HEARTBEAT_INTERVAL_MS, heartbeatJob } from './heartbeat';
import type { JobContext } from './job-definition';
import { startMailboxScheduler } from './mailbox-scheduler';
import { startOutboundDispatcher } from './outbound-dispatcher';

/** Arbitrary constant, like the migrations' lock. */
const QUEUE_SETUP_LOCK_ID = 731_044_202;
/** How long start-up waits for a database that is restarting before it gives up. */
const QUEUE_SETUP_OUTAGE_MS = 60_000;

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

  const stopping = new AbortController();
  const context: JobContext = {
    database,
    workerId,
    stopping: stopping.signal,
    send: (name, data, options) => boss.send(name, data, options ?? {}),
  };

  // Before any poll starts: on the embedded database every lease left over is a dead process's.
  if (database.kind === 'pglite') {
    const released = await releaseLeasesOfEndedProcesses(database.db);
    if (released > 0) log.info('jobs.leases_released', { workerId, mailboxes: released });
  }

  // Registered (alive) before any job runs: a lease it takes names a worker others see beating.
  await registerWorker(database.db, { id: workerId, hostname: hostname(), pid: process.pid, mode });

  // Workers starting together on a database that lacks a queue (first start, an upgrade adding
  // one) deadlock in pg-boss's create_queue, one inserting the queue row while the other adds its
  // partition's foreign key, and the loser crashes at start-up: one process at a time. The setup
  // is idempotent, so a connection cut meanwhile (PostgreSQL restarted) is waited out, not fatal.
  await retryWhileDatabaseDown(
    () =>
      database.withAdvisoryLock(QUEUE_SETUP_LOCK_ID, async () => {
        for (const definition of jobDefinitions) {
          const queue = { name: definition.name, ...definition.queue };
          await boss.createQueue(definition.name, queue);
          // createQueue leaves an existing queue as it was first created: apply today's policy and limits too.
          await boss.updateQueue(definition.name, queue);
        }
      }),
    QUEUE_SETUP_OUTAGE_MS,
  );

  for (const definition of jobDefinitions) {
    const loops = (definition.concurrency ?? 1) * concurrency;
    for (let loop = 0; loop < loops; loop++) {
      await boss.work(definition.name, { batchSize: 1, pollingIntervalSeconds: definition.pollingIntervalSeconds ?? 2 }, async ([job]) => {
        if (!job) return;
        await definition.handle(context, definition.data.parse(job.data));
      });
    }
  }

  const beat = () => boss.send(heartbeatJob.name, { workerId }).catch((error) => log.warn('jobs.heartbeat_failed', { workerId, error }));
  await beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  const alive = setInterval(
    () => void recordAlive(database.db, workerId).catch((error) => log.warn('jobs.alive_failed', { workerId, error })),
    ALIVE_INTERVAL_MS,
  );
  alive.unref();
  const scheduler = startMailboxScheduler(context);
  const outbound = startOutboundDispatcher(context);
  const alerts = startAdminAlertSchedule(context);
  const notifications = startAgentNotificationSchedule(context);
  log.info('jobs.started', { workerId, mode, database: database.kind });

  return {
    workerId,
    boss,
    async stop() {
      stopping.abort();
      clearInterval(timer);
      clearInterval(alive);
      outbound.stop();
      alerts.stop();
      notifications.stop();
      await scheduler.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      await markWorkerStopped(database.db, workerId).catch(() => {});
      log.info('jobs.stopped', { workerId });
    },
  };
}
