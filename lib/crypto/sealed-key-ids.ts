import { isNotNull, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { SEALED_COLUMNS } from './sealed-columns';

/**
 * How many stored secrets each encryption key sealed, by key id (`v1.<key id>.…`). A backup
 * records the ids, and a restore compares them with the keys it is given: ids only, never keys.
 */
export async function countSealedByKeyId(db: Queryable): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { table, column } of SEALED_COLUMNS) {
    const sealed = table[column as keyof typeof table] as never;
    const keyId = sql<string>`split_part(${sealed}, '.', 2)`;
    const rows = await db.select({ keyId, count: sql<number>`count(*)::int` }).from(table).where(isNotNull(sealed)).groupBy(keyId);
    for (const row of rows) counts.set(row.keyId, (counts.get(row.keyId) ?? 0) + Number(row.count));
  }
  return counts;
}
