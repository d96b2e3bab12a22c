import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { type DatabaseHandle, openDatabase } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { createEmptyTestDatabase, createTestDatabase } from './test-database';

/** Where the ingestion of a database stands; read by the test (PostgreSQL) or reported by the embedded launcher (PGlite). */
export interface IngestionProgress {
  /** Rows in inbound_messages: messages stored, whatever became of them. */
  stored: number;
  /** Stored, not yet turned into a request or comment. */
  pending: number;
  settled: number;
  requests: number;
  /** Settled messages whose After processing step on the server has not been recorded as done. */
  serverActionsPending: number;
  /** Mailboxes Failing or Needs re-authorization. */
  mailboxesNotActive: number;
  /** Outgoing emails not sent yet (nor given up). */
  outboundQueued: number;
}

export async function readIngestionProgress(database: DatabaseHandle): Promise<IngestionProgress> {
  const [row] = await database.query<IngestionProgress>(
    `select count(*)::int as "stored",
       (count(*) filter (where status = 'pending'))::int as "pending",
       (count(*) filter (where status in ('processed', 'ignored')))::int as "settled",
       (count(*) filter (where status in ('processed', 'ignored') and server_action = 'pending'))::int as "serverActionsPending",
       (select count(*)::int from requests) as "requests",
       (select count(*)::int from mailboxes where status <> 'active') as "mailboxesNotActive",
       (select count(*)::int from outbound_messages where status = 'queued') as "outboundQueued"
     from inbound_messages`,
  );
  return row!;
}

/** Prefix of the launcher's progress lines on stdout. */
export const PROGRESS_LINE = '@@progress ';

const launcher = path.join(import.meta.dirname, 'embedded-worker.ts');

/** One worker process: `npm run worker` on PostgreSQL, the embedded runtime launcher on PGlite. */
export class WorkerProcess {
  readonly exited: Promise<void>;
  #output = '';
  #progress: IngestionProgress | null = null;
  #running = false;
  readonly #child: ChildProcess;

  constructor(script: string, env: NodeJS.ProcessEnv) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    let pending = '';
    this.#child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith(PROGRESS_LINE)) {
          this.#progress = JSON.parse(line.slice(PROGRESS_LINE.length)) as IngestionProgress;
          this.#running = true;
        } else {
          if (/Intake worker .* is running/.test(line)) this.#running = true;
          this.#remember(line);
        }
      }
    });
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.#remember(chunk));
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Started: the runtime booted and its job runner is working. */
  get running(): boolean {
    return this.#running;
  }

  /** The launcher's last progress report (PGlite only). */
  get progress(): IngestionProgress | null {
    return this.#progress;
  }

  /** The last lines the process wrote, for a failing test's message. */
  get output(): string {
    return this.#output;
  }

  #remember(text: string): void {
    this.#output = `${this.#output}${text.endsWith('\n') ? text : `${text}\n`}`.slice(-8000);
  }

  /** A crash: no signal handler, no finally block, no lease released. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** How the process ended: its exit code, or the signal that killed it. */
  get ending(): { code: number | null; signal: NodeJS.Signals | null } {
    return { code: this.#child.exitCode, signal: this.#child.signalCode };
  }

  /**
   * Ctrl-C under `npm start` or `npm run worker`: the terminal signals every process in the
   * group, and npm and tsx pass the signal on, so the worker gets SIGINT twice in a moment.
   */
  async interrupt(): Promise<void> {
    this.#child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.#child.kill('SIGINT');
    await this.exited;
  }

  /** A graceful stop, as `docker stop` does it; killed if it takes longer than a graceful stop may. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * A database that worker processes can share with the test. On PostgreSQL the test keeps its
 * connection throughout. PGlite is single-process: the database is a data folder, and the test
 * closes its handle (`handOver`) before a worker opens it, and reopens it (`takeBack`) after.
 */
export class WorkerDatabase {
  private constructor(
    readonly kind: 'pglite' | 'postgres',
    private current: DatabaseHandle | null,
    private readonly location: { url?: string; dataDir?: string },
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  static async create(): Promise<WorkerDatabase> {
    if (process.env.TEST_DATABASE_URL) {
      const testDb = await createTestDatabase();
      return new WorkerDatabase('postgres', testDb.handle, { url: testDb.url }, () => testDb.drop());
    }
    const database = WorkerDatabase.#pgliteFolder();
    database.current = await openDatabase({ kind: 'pglite', dataDir: database.location.dataDir! });
    await migrateDatabase(database.current);
    return database;
  }

  /**
   * A database with nothing in it, to restore into: on PostgreSQL an empty database (not even
   * migrated), on PGlite a data folder that does not exist yet, handed over from the start.
   */
  static async empty(): Promise<WorkerDatabase> {
    if (process.env.TEST_DATABASE_URL) {
      const testDb = await createEmptyTestDatabase(process.env.TEST_DATABASE_URL);
      return new WorkerDatabase('postgres', testDb.handle, { url: testDb.url }, () => testDb.drop());
    }
    return WorkerDatabase.#pgliteFolder();
  }

  static #pgliteFolder(): WorkerDatabase {
    const dataDir = path.resolve('tests/.tmp', `workers-${process.pid}-${randomBytes(4).toString('hex')}`);
    const database: WorkerDatabase = new WorkerDatabase('pglite', null, { dataDir }, async () => {
      await database.current?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return database;
  }

  /** Where Intake finds this database: DATABASE_URL or INTAKE_DATA_DIR. */
  get locationEnv(): Record<string, string> {
    return this.kind === 'postgres' ? { DATABASE_URL: this.location.url! } : { INTAKE_DATA_DIR: this.location.dataDir! };
  }

  /** The test's own handle; on PGlite only while no worker holds the folder. */
  get handle(): DatabaseHandle {
    if (!this.current) throw new Error('The PGlite folder is handed over to a worker process.');
    return this.current;
  }

  async handOver(): Promise<void> {
    if (this.kind === 'postgres') return;
    await this.current?.close();
    this.current = null;
  }

  async takeBack(): Promise<DatabaseHandle> {
    this.current ??= await openDatabase({ kind: 'pglite', dataDir: this.location.dataDir! });
    return this.current;
  }

  /** Progress as the database shows it now (PostgreSQL) or as the worker last reported it (PGlite). */
  async progress(worker: WorkerProcess): Promise<IngestionProgress | null> {
    if (this.kind === 'pglite') return worker.progress;
    return worker.running ? readIngestionProgress(this.handle) : null;
  }

  /** Starts a worker on this database, configured like the test process so it can decrypt the stored tokens. */
  startWorker(caFile: string, extraEnv: Record<string, string> = {}): WorkerProcess {
    return new WorkerProcess(this.kind === 'postgres' ? path.resolve('jobs/worker.ts') : launcher, this.processEnv(caFile, extraEnv));
  }

  /** The environment of an Intake process (worker or command) on this database, with the test's keys. */
  processEnv(caFile: string, extraEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      APP_URL: process.env.APP_URL,
      AUTH_SECRET: process.env.AUTH_SECRET,
      INTAKE_SECRET_KEY: process.env.INTAKE_SECRET_KEY,
      MAIL_ALLOWED_PRIVATE_HOSTS: process.env.MAIL_ALLOWED_PRIVATE_HOSTS,
      INTAKE_LOG_LEVEL: 'info',
      NODE_EXTRA_CA_CERTS: caFile,
      INTAKE_POLL_INTERVAL_SECONDS: '5',
      ...this.locationEnv,
      ...extraEnv,
    };
  }

  drop(): Promise<void> {
    return this.dropDatabase();
  }
}
