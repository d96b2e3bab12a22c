import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { type DatabaseHandle, openDatabase } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { waitUntil } from './bulk-ingestion';
import { createTestDatabase } from './test-database';
import { type IngestionProgress, readIngestionProgress, WorkerProcess } from './worker-processes';

/**
 * Where a worker process SIGKILLs itself, named by the SQL it is about to send (a regular
 * expression over the statement text, as drizzle writes it), so that the kill falls on the same
 * step on both databases, whatever the machine's speed:
 * - `before`: just before its `nth` statement matching (inside a transaction: mid-transaction);
 * - `afterCommitOf`: just after the commit of its `nth` transaction that ran a matching statement.
 */
export type CrashPoint = { before: string; nth: number } | { afterCommitOf: string; nth: number };

export const CRASH_POINT_ENV = 'INTAKE_TEST_CRASH_POINT';
/** What the launcher prints just before it kills itself. */
export const CRASH_LINE = '@@crash';

const launcher = path.join(import.meta.dirname, 'crash-point-worker.ts');

/**
 * A database that worker processes started from `crash-point-worker.ts` share with the test,
 * handed over as in worker-processes.ts: on PGlite the test closes its handle while a worker
 * runs. Between two workers the test may take it back and read the exact state a kill left.
 */
export class FaultDatabase {
  #current: DatabaseHandle | null;

  private constructor(
    readonly kind: 'pglite' | 'postgres',
    handle: DatabaseHandle,
    private readonly location: { url: string } | { dataDir: string },
    private readonly dropDatabase: () => Promise<void>,
  ) {
    this.#current = handle;
  }

  /** On PostgreSQL: a database of its own on the server of `adminUrl` (TEST_DATABASE_URL unless given). */
  static async create(adminUrl = process.env.TEST_DATABASE_URL): Promise<FaultDatabase> {
    if (adminUrl) {
      const testDb = await createTestDatabase(adminUrl);
      return new FaultDatabase('postgres', testDb.handle, { url: testDb.url! }, () => testDb.drop());
    }
    const dataDir = path.resolve('tests/.tmp', `faults-${process.pid}-${randomBytes(4).toString('hex')}`);
    const handle = await openDatabase({ kind: 'pglite', dataDir });
    await migrateDatabase(handle);
    const database: FaultDatabase = new FaultDatabase('pglite', handle, { dataDir }, async () => {
      await database.#current?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return database;
  }

  /** The postgres:// URL the workers are given (PostgreSQL only). */
  get url(): string {
    if (!('url' in this.location)) throw new Error('A PGlite database has no URL.');
    return this.location.url;
  }

  get handle(): DatabaseHandle {
    if (!this.#current) throw new Error('The PGlite folder is handed over to a worker process.');
    return this.#current;
  }

  async handOver(): Promise<void> {
    if (this.kind === 'postgres') return;
    await this.#current?.close();
    this.#current = null;
  }

  async takeBack(): Promise<DatabaseHandle> {
    if ('dataDir' in this.location) this.#current ??= await openDatabase({ kind: 'pglite', dataDir: this.location.dataDir });
    return this.handle;
  }

  /** A worker process, crashing at `crashAt` if given; `env` adds to the environment (e.g. PGAPPNAME). */
  startWorker(caFile: string, options: { crashAt?: CrashPoint; env?: Record<string, string> } = {}): WorkerProcess {
    // Configured like the test process, so that it can decrypt the stored tokens.
    const inherited = Object.fromEntries(
      ['PATH', 'HOME', 'APP_URL', 'AUTH_SECRET', 'INTAKE_SECRET_KEY', 'MAIL_ALLOWED_PRIVATE_HOSTS'].map((name) => [name, process.env[name]]),
    );
    const database = 'url' in this.location ? { DATABASE_URL: this.location.url } : { INTAKE_DATA_DIR: this.location.dataDir };
    const crash = options.crashAt ? { [CRASH_POINT_ENV]: JSON.stringify(options.crashAt) } : {};
    const settings = { NODE_ENV: 'test' as const, INTAKE_LOG_LEVEL: 'info', NODE_EXTRA_CA_CERTS: caFile, INTAKE_POLL_INTERVAL_SECONDS: '5' };
    return new WorkerProcess(launcher, { ...inherited, ...settings, ...database, ...crash, ...options.env });
  }

  /** Runs a worker that must die at its crash point; fails with its output if it does not within `timeoutMs`. */
  async crashWorker(caFile: string, crashAt: CrashPoint, timeoutMs = 60_000): Promise<void> {
    await this.handOver();
    const worker = this.startWorker(caFile, { crashAt });
    const timer = setTimeout(() => void worker.kill(), timeoutMs);
    await worker.exited;
    clearTimeout(timer);
    if (!worker.output.includes(CRASH_LINE)) throw new Error(`The worker did not reach ${JSON.stringify(crashAt)}:\n${worker.output}`);
    await this.letLeasesRunOut();
  }

  /**
   * After a worker died: its poll leases would hold their mailboxes for up to POLL_LEASE_MS
   * (30 s; crash.test waits that out). They run out now. On PGlite the next worker clears them.
   */
  async letLeasesRunOut(): Promise<void> {
    if (this.kind === 'postgres') await this.handle.query(`update mailboxes set lease_expires_at = now() - interval '1 second' where lease_owner is not null`);
  }

  /** Progress as the database shows it (PostgreSQL) or as the worker last reported it (PGlite). */
  async progress(worker: WorkerProcess): Promise<IngestionProgress | null> {
    if (this.kind === 'pglite') return worker.progress;
    return worker.running ? readIngestionProgress(this.handle) : null;
  }

  /** Waits until the running worker's progress satisfies `done`. */
  waitForProgress(worker: WorkerProcess, what: string, done: (progress: IngestionProgress) => boolean, timeoutMs: number): Promise<IngestionProgress> {
    return waitUntil(
      what,
      async () => {
        const progress = await this.progress(worker);
        return progress && done(progress) && progress;
      },
      timeoutMs,
      () => `Progress: ${JSON.stringify(worker.progress)}.\n${worker.output}`,
    );
  }

  drop(): Promise<void> {
    return this.dropDatabase();
  }
}
