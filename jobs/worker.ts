import { bootRuntime, exitOnStartupError, shutdownOnSignals } from '@/lib/runtime/boot';
import { getEnv } from '@/lib/env';

/** `npm run worker`: a job-runner process of its own, for PostgreSQL deployments. */
async function main(): Promise<void> {
  const env = getEnv();
  if (env.databaseKind !== 'postgres') {
    console.error(
      'Intake cannot start a separate worker: set DATABASE_URL to a PostgreSQL database. ' +
        'With the embedded database the job runner already runs inside `npm start`.',
    );
    process.exit(1);
  }
  const runtime = await bootRuntime({ mode: 'worker' });
  shutdownOnSignals(runtime);
  console.log(`Intake worker ${runtime.runner?.workerId} is running. Press Ctrl+C to stop.`);
}

main().catch(exitOnStartupError);
