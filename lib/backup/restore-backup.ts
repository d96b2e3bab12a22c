import type { DatabaseHandle } from '@/db/client';
import { countCommittedMigrations, type MigrationStatus, migrateDatabase, readMigrationStatus } from '@/db/migrate';
import { countSealedByKeyId } from '@/lib/crypto/sealed-key-ids';
import type { DatabaseLocation } from '@/lib/env';
import { openArchive } from './backup-archive';
import { BackupError } from './backup-error';
import { BACKUP_ENTRY, type BackupManifest, parseBackupManifest } from './backup-manifest';
import { restoreEmbeddedBackup } from './restore-embedded-backup';
import { restorePostgresBackup } from './restore-postgres-backup';

export interface RestoreReport {
  manifest: BackupManifest;
  migrations: MigrationStatus;
  /** Where a data folder that was in the way now is (embedded, with `force`). */
  movedAside?: string;
  secretsRestored: boolean;
  /** How many stored secrets each key sealed, by key id: the restore's caller checks it has those keys. */
  sealedByKeyId: Map<string, number>;
}

/**
 * Restores the backup `file` into `target` and applies the migrations that came after it. A
 * backup of the other kind of database, or from a newer Intake, is refused before anything changes.
 */
export async function restoreBackup(input: { file: string; target: DatabaseLocation; force: boolean }): Promise<RestoreReport> {
  const { file, target, force } = input;
  const archive = await openArchive(file);
  const manifest = parseBackupManifest((await archive.read(BACKUP_ENTRY.manifest)).toString('utf8'), file);
  if (manifest.database !== target.kind) throw new BackupError({ code: 'wrong_database_kind', backup: manifest.database, target: target.kind });
  const knownMigrations = countCommittedMigrations();
  if (manifest.migrations > knownMigrations) throw new BackupError({ code: 'newer_schema', backupMigrations: manifest.migrations, knownMigrations });

  let database: DatabaseHandle;
  let movedAside: string | undefined;
  let secretsRestored = false;
  if (target.kind === 'pglite') {
    ({ database, movedAside, secretsRestored } = await restoreEmbeddedBackup({ archive, dataDir: target.dataDir, force }));
  } else {
    database = await restorePostgresBackup({ archive, manifest, url: target.url, force });
  }
  try {
    await migrateDatabase(database);
    return {
      manifest,
      migrations: await readMigrationStatus(database),
      movedAside,
      secretsRestored,
      sealedByKeyId: await countSealedByKeyId(database.db),
    };
  } finally {
    await database.close();
  }
}
