import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { getEnv } from '@/lib/env';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock';
import * as schema from './schema';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the database itself or an open transaction. */
export type Queryable = Database | Transaction;

/** What pg-boss needs to keep its queues in the same database. */
export type JobStore = { connectionString: string } | { db: { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } };

export interface DatabaseHandle {
  kind: 'pglite' | 'postgres';
  db: Database;
  jobStore: JobStore;
  /** Runs raw SQL, returning rows; for the few statements drizzle cannot express. */
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
  /** Runs `work` while holding a cluster-wide advisory lock (a no-op guard on single-process PGlite). */
  withAdvisoryLock<T>(lockId: number, work: () => Promise<T>): Promise<T>;
  /**
   * PGlite only: the data folder as PGlite's gzipped tar, taken with no transaction open and no
   * statement running (everything else waits meanwhile), so it opens as a consistent database.
   */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export type OpenOptions =
  | {
      kind: 'pglite';
      /** Omit for an in-memory database (tests). */
      dataDir?: string;
      /** A data folder dumped by `dumpDataDir`, to start an empty `dataDir` from (a restore). */
      loadDataDir?: Blob;
    }
  | { kind: 'postgres'; url: string; maxConnections?: number };

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  return options.kind === 'pglite' ? openPglite(options.dataDir, options.loadDataDir) : openPostgres(options.url, options.maxConnections);
}

/** PostgreSQL's type oid of bytea. */
const BYTEA = 17;

/**
 * PGlite's own bytea encoding works a byte at a time on the main thread: a 25 MB message took
 * about 30 s and blocked the event loop. Hex through Buffer is native and two orders faster.
 */
function byteaToHex(value: unknown): string {
  const bytes = value as Uint8Array;
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

function byteaFromHex(text: string): Buffer {
  return Buffer.from(text.slice(2), 'hex');
}

async function openPglite(dataDir: string | undefined, loadDataDir: Blob | undefined): Promise<DatabaseHandle> {
  let lock: DataDirLock | undefined;
  if (dataDir) lock = acquireDataDirLock(dataDir);
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir ? path.join(dataDir, 'pglite') : undefined, {
      serializers: { [BYTEA]: byteaToHex },
      parsers: { [BYTEA]: byteaFromHex },
      loadDataDir,
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    jobStore: {
      db: {
        // pg-boss sends parameterless multi-statement scripts (BEGIN …; COMMIT) which only exec() accepts.
        async executeSql(text, values) {
          if (values && values.length > 0) return client.query(text, values);
          const results = await client.exec(text);
          return results.at(-1) ?? { rows: [] };
        },
      },
    },
    async query<Row>(text: string, values?: unknown[]) {
      return (await client.query<Row>(text, values)).rows;
    },
    withAdvisoryLock: (_lockId, work) => work(),
    async dumpDataDir() {
      // The checkpoint keeps the replay short when the copy is opened. query() and exec() hold
      // the transaction mutex, dumpDataDir() only the query one: holding the former as well
      // keeps any transaction from being half done in the copy.
      await client.exec('CHECKPOINT');
      return client._runExclusiveTransaction(() => client.dumpDataDir('gzip'));
    },
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string, maxConnections = 10): Promise<DatabaseHandle> {
  const client = postgres(url, { max: maxConnections, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;
  return {
    kind: 'postgres',
    db,
    jobStore: { connectionString: url },
    async query<Row>(text: string, values?: unknown[]) {
      return (await client.unsafe(text, values as postgres.ParameterOrJSON<never>[])) as unknown as Row[];
    },
    async withAdvisoryLock(lockId, work) {
      const session = await client.reserve();
      try {
        await session`select pg_advisory_lock(${lockId})`;
        try {
          return await work();
        } finally {
          await session`select pg_advisory_unlock(${lockId})`;
        }
      } finally {
        session.release();
      }
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

const HANDLE_KEY = Symbol.for('intake.database');
type GlobalWithDatabase = typeof globalThis & { [HANDLE_KEY]?: Promise<DatabaseHandle> };

/**
 * The process-wide database. Next.js bundles server code into several module graphs
 * (instrumentation, route handlers, pages), so the handle lives on globalThis.
 */
export function getDatabase(): Promise<DatabaseHandle> {
  const holder = globalThis as GlobalWithDatabase;
  holder[HANDLE_KEY] ??= (() => {
    if (process.env.NEXT_PHASE === 'phase-production-build') {
      throw new Error('The database is not available while building; this page must be dynamic.');
    }
    const env = getEnv();
    return openDatabase(env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL } : { kind: 'pglite', dataDir: env.dataDir });
  })();
  return holder[HANDLE_KEY];
}

export async function getDb(): Promise<Database> {
  return (await getDatabase()).db;
}
