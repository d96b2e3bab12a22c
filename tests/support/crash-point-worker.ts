// A worker process as Intake boots it (`npm run worker` on PostgreSQL, the embedded runtime of
// `npm start` on PGlite, without the web server) that SIGKILLs itself at a crash point given in
// INTAKE_TEST_CRASH_POINT (see fault-workers.ts). The kill is decided on the statements the
// worker's own database client is about to send, so no product code knows about it. On PGlite
// the process also reports the ingestion progress the test cannot read while it holds the folder.
import { type DatabaseHandle, getDatabase } from '@/db/client';
import { bootRuntime, exitOnStartupError, shutdownOnSignals } from '@/lib/runtime/boot';
import { CRASH_LINE, CRASH_POINT_ENV, type CrashPoint } from './fault-workers';
import { PROGRESS_LINE, readIngestionProgress } from './worker-processes';

const REPORT_INTERVAL_MS = 100;

type Send = (text: string, ...rest: unknown[]) => unknown;
/** The part of PGlite's client and of postgres.js's `sql` that drizzle sends statements through. */
interface Client {
  query?: Send;
  exec?: Send;
  unsafe?: Send;
  transaction?: (work: (tx: Client) => Promise<unknown>) => Promise<unknown>;
  begin?: (...args: unknown[]) => Promise<unknown>;
}

function die(where: string): never {
  // Synchronous on a pipe: the line is out before the signal.
  process.stdout.write(`${CRASH_LINE} ${where}\n`);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function armCrashPoint(database: DatabaseHandle, point: CrashPoint): void {
  const pattern = new RegExp('before' in point ? point.before : point.afterCommitOf);
  let seen = 0;
  /** Transactions open now that ran a matching statement. */
  const matchedIn = new WeakSet<Client>();

  const watch = (client: Client, transaction: Client | null) => {
    for (const method of ['query', 'exec', 'unsafe'] as const) {
      const send = client[method]?.bind(client);
      if (!send) continue;
      client[method] = (text, ...rest) => {
        if (pattern.test(text)) {
          if ('before' in point && ++seen === point.nth) die(`before statement ${seen} matching ${point.before}`);
          if (transaction) matchedIn.add(transaction);
        }
        return send(text, ...rest);
      };
    }
  };
  const afterCommit = (tx: Client) => {
    if ('afterCommitOf' in point && matchedIn.has(tx) && ++seen === point.nth) die(`after commit ${seen} of a transaction matching ${point.afterCommitOf}`);
  };

  const client = (database.db as unknown as { $client: Client }).$client;
  watch(client, null);
  const { transaction, begin } = client;
  if (transaction) {
    // PGlite: the callback's result is committed once transaction() resolves.
    client.transaction = async (work) => {
      let opened: Client | null = null;
      const result = await transaction.call(client, (tx) => {
        opened = tx;
        watch(tx, tx);
        return work(tx);
      });
      if (opened) afterCommit(opened);
      return result;
    };
  }
  if (begin) {
    // postgres.js: begin([options,] work).
    client.begin = async (...args) => {
      const work = args.pop() as (tx: Client) => Promise<unknown>;
      let opened: Client | null = null;
      const result = await begin(...args, (tx: Client) => {
        opened = tx;
        watch(tx, tx);
        return work(tx);
      });
      if (opened) afterCommit(opened);
      return result;
    };
  }
}

const crashAt = process.env[CRASH_POINT_ENV];
const database = await getDatabase().catch(exitOnStartupError);
if (crashAt) armCrashPoint(database, JSON.parse(crashAt) as CrashPoint);
const runtime = await bootRuntime({ mode: database.kind === 'postgres' ? 'worker' : 'in-process' }).catch(exitOnStartupError);
shutdownOnSignals(runtime);
console.log(`Intake worker ${runtime.runner?.workerId} is running.`);
if (database.kind === 'pglite') {
  const report = async () => {
    const progress = await readIngestionProgress(runtime.database).catch(() => null);
    if (progress) process.stdout.write(`${PROGRESS_LINE}${JSON.stringify(progress)}\n`);
    setTimeout(report, REPORT_INTERVAL_MS).unref();
  };
  await report();
}
