import { eq, isNotNull } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { SEALED_COLUMNS } from './sealed-columns';
import type { SecretBox } from './secret-box';

export interface RotationReport {
  resealed: number;
  alreadyCurrent: number;
}

/**
 * Re-seals every stored secret under the box's current key. Values sealed with a previous key
 * must still open; anything that does not stops the rotation with a clear error, and nothing
 * of that row is changed.
 */
export async function rotateSecrets({ db, box }: { db: Database; box: SecretBox }): Promise<RotationReport> {
  const report: RotationReport = { resealed: 0, alreadyCurrent: 0 };
  for (const { table, column, purpose } of SEALED_COLUMNS) {
    const sealedColumn = table[column as keyof typeof table] as never;
    const rows = (await db.select({ id: table.id, value: sealedColumn }).from(table).where(isNotNull(sealedColumn))) as { id: string; value: string }[];
    for (const row of rows) {
      if (box.keyIdOf(row.value) === box.currentKeyId) {
        report.alreadyCurrent++;
        continue;
      }
      const resealed = box.seal(box.open(row.value, purpose), purpose);
      await db
        .update(table)
        .set({ [column]: resealed } as never)
        .where(eq(table.id, row.id));
      report.resealed++;
    }
  }
  return report;
}
