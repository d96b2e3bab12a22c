import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { DatabaseHandle } from './client';

const migrationsFolder = path.join(process.cwd(), 'db', 'migrations');

/** Arbitrary constant so concurrent starters (server and workers) migrate one at a time. */
const MIGRATION_LOCK_ID = 731_044_201;

export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(handle.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  await handle.withAdvisoryLock(MIGRATION_LOCK_ID, () => migratePostgres(handle.db as unknown as PostgresJsDatabase, { migrationsFolder }));
}

export interface MigrationStatus {
  applied: number;
  expected: number;
}

/** How many migrations this version of Intake has. */
export function countCommittedMigrations(): number {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

export async function readMigrationStatus(handle: DatabaseHandle): Promise<MigrationStatus> {
  let applied = 0;
  try {
    const [row] = await handle.query<{ count: number | string }>('select count(*)::int as count from drizzle.__drizzle_migrations');
    applied = Number(row?.count ?? 0);
  } catch {
    applied = 0; // The migrations table does not exist yet.
  }
  return { applied, expected: countCommittedMigrations() };
}
