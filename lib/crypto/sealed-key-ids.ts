import { getTableName, isNotNull, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { SEALED_COLUMNS } from './sealed-columns';

/**
 * How many stored secrets each encryption key sealed, by key id (`v1.<key id>.…`). A backup
 * records the ids, and a restore compares them with the keys it is given: ids only, never keys.
 */
export async function countSealedByKeyId(db: Queryable): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const present = await existingColumns(db);
  for (const { table, column } of SEALED_COLUMNS) {
    const sealed = table[column as keyof typeof table] as unknown as { name: string };
    // A database of an older Intake (backed up before an upgrade) lacks the newer tables and columns.
    if (!present.has(`${getTableName(table)}.${sealed.name}`)) continue;
    const keyId = sql<string>`split_part(${sealed}, '.', 2)`;
    const rows = await db
      .select({ keyId, count: sql<number>`count(*)::int` })
      .from(table)
      .where(isNotNull(sealed as never))
      .groupBy(keyId);
    for (const row of rows) counts.set(row.keyId, (counts.get(row.keyId) ?? 0) + Number(row.count));
  }
  return counts;
}

/** The columns of the public schema as `table.column`; either driver's shape of a raw result. */
async function existingColumns(db: Queryable): Promise<Set<string>> {
  const result = (await db.execute(sql`select table_name, column_name from information_schema.columns where table_schema = 'public'`)) as unknown as
    | { table_name: string; column_name: string }[]
    | { rows: { table_name: string; column_name: string }[] };
  return new Set((Array.isArray(result) ? result : result.rows).map((row) => `${row.table_name}.${row.column_name}`));
}
