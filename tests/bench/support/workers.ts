import type { Harness } from '../../harness';
import { waitUntil } from '../../support/bulk-ingestion';
import type { WorkerDatabase, WorkerProcess } from '../../support/worker-processes';

/**
 * `npm run worker` on the bench database with the default poll interval, and only once it runs:
 * its start-up is never part of a figure.
 */
export async function startBenchWorker(database: WorkerDatabase, harness: Harness, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = database.startWorker(harness.caFile, { INTAKE_POLL_INTERVAL_SECONDS: '60', INTAKE_LOG_LEVEL: 'warn', ...env });
  await waitUntil(
    'the worker runs',
    async () => worker.running,
    60_000,
    () => worker.output,
  );
  return worker;
}
