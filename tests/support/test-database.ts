import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';

export interface TestDatabase {
  handle: DatabaseHandle;
  /** A postgres:// URL for other processes (workers); absent on PGlite. */
  url?: string;
  drop(): Promise<void>;
}

export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a database
 * of its own on the server named by `adminUrl` (TEST_DATABASE_URL unless given), dropped afterwards.
 */
export async function createTestDatabase(adminUrl = process.env.TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!adminUrl) {
    const handle = await openDatabase({ kind: 'pglite' });
    await migrateDatabase(handle);
    return { handle, drop: () => handle.close() };
  }
  const database = await createEmptyTestDatabase(adminUrl);
  await migrateDatabase(database.handle);
  return database;
}

/** A database of its own on the server at `adminUrl`, with nothing in it (not even migrations), dropped afterwards. */
export async function createEmptyTestDatabase(adminUrl: string): Promise<TestDatabase & { url: string }> {
  const name = `intake_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 5 });
  return {
    handle,
    url: url.toString(),
    async drop() {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
