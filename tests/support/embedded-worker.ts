// The embedded runtime as `npm start` boots it through instrumentation.ts (PGlite data folder
// from INTAKE_DATA_DIR, job runner in-process), without the web server. PGlite lets only one
// process open the folder, so this process also reports the ingestion progress the test watches.
import { bootRuntime, exitOnStartupError, shutdownOnSignals } from '@/lib/runtime/boot';
import { PROGRESS_LINE, readIngestionProgress } from './worker-processes';

const REPORT_INTERVAL_MS = 100;

const runtime = await bootRuntime({ mode: 'in-process' }).catch(exitOnStartupError);
shutdownOnSignals(runtime);
const report = async () => {
  const progress = await readIngestionProgress(runtime.database).catch(() => null);
  if (progress) process.stdout.write(`${PROGRESS_LINE}${JSON.stringify(progress)}\n`);
  setTimeout(report, REPORT_INTERVAL_MS).unref();
};
await report();
