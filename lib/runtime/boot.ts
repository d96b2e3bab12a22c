import { type DatabaseHandle, getDatabase } from '@/db/client';
import { DataDirLockedError } from '@/db/data-dir-lock';
import { migrateDatabase } from '@/db/migrate';
import { type JobRunner, startJobRunner } from '@/jobs/runner';
import { serveBackupRequests } from '@/lib/backup/serve-backup-requests';
import { SecretKeyError } from '@/lib/crypto/secret-box';
import { ConfigError, getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { surviveOutages } from './survive-outages';

export interface Runtime {
  database: DatabaseHandle;
  runner: JobRunner | null;
  shutdown(): Promise<void>;
}

/** Opens the database, applies migrations and, when asked, starts the job runner. */
export async function bootRuntime({ mode }: { mode: 'in-process' | 'worker' }): Promise<Runtime> {
  const env = getEnv();
  surviveOutages();
  const database = await getDatabase();
  await migrateDatabase(database);
  const concurrency = mode === 'worker' ? Math.max(1, env.INTAKE_WORKERS) : env.INTAKE_WORKERS;
  const runner = concurrency > 0 ? await startJobRunner({ database, mode, concurrency }) : null;
  // Only this process may open the embedded database, so `npm run backup` asks it for the copy.
  const backups = database.kind === 'pglite' ? serveBackupRequests({ database, dataDir: env.dataDir }) : null;
  let stopping: Promise<void> | undefined;
  return {
    database,
    runner,
    shutdown() {
      stopping ??= (async () => {
        await runner?.stop().catch((error) => log.error('jobs.stop_failed', { error }));
        await backups?.stop();
        await database.close();
      })();
      return stopping;
    },
  };
}

/** Known start-up failures become one clear line and exit code 1, never a stack trace. */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof SecretKeyError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

/**
 * Stops cleanly on the first SIGINT or SIGTERM. The handlers stay: Ctrl-C under `npm start`
 * delivers the signal again through every process in between, and a signal nobody listens to
 * would kill the process in the middle of its stop.
 */
export function shutdownOnSignals(runtime: Runtime): void {
  let received = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (received) return;
      received = true;
      log.info('runtime.stopping', { signal });
      runtime.shutdown().finally(() => process.exit(0));
    });
  }
}
