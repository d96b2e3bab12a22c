import { getTableName, isNotNull, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { SEALED_COLUMNS } from './sealed-columns';

/**
 * How many stored secrets each encryption key sealed, by key id (`v1.<key id>.…`). A backup
 * records the ids, and a restore compares them with the keys it is given: ids only, never keys.
 */
export async function countSealedByKeyId(db: Queryable): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const present = await existingTables(db);
  for (const { table, column } of SEALED_COLUMNS) {
    // A database of an older Intake (backed up before an upgrade) lacks the newer tables.
    if (!present.has(getTableName(table))) continue;
    const sealed = table[column as keyof typeof table] as never;
    const keyId = sql<string>`split_part(${sealed}, '.', 2)`;
    const rows = await db.select({ keyId, count: sql<number>`count(*)::int` }).from(table).where(isNotNull(sealed)).groupBy(keyId);
    for (const row of rows) counts.set(row.keyId, (counts.get(row.keyId) ?? 0) + Number(row.count));
  }
  return counts;
}

/** The tables of the public schema; either driver's shape of a raw result. */
async function existingTables(db: Queryable): Promise<Set<string>> {
  const result = (await db.execute(sql`select tablename from pg_tables where schemaname = 'public'`)) as unknown as
    | { tablename: string }[]
    | { rows: { tablename: string }[] };
  return new Set((Array.isArray(result) ? result : result.rows).map((row) => row.tablename));
}
