import { readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseHandle } from '@/db/client';
import { readMigrationStatus } from '@/db/migrate';
import { countSealedByKeyId } from '@/lib/crypto/sealed-key-ids';
import { type ArchiveEntry, writeArchive } from './backup-archive';
import { BACKUP_ENTRY, BACKUP_FORMAT_VERSION, type BackupManifest } from './backup-manifest';

export interface WrittenBackup {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

function intakeVersion(): string {
  return (JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Writes a backup of `database` to `file`: whole or not at all, as it is written under another
 * name and renamed once complete, so an interrupted backup never looks like a good one.
 */
export async function writeBackupFile(input: {
  file: string;
  database: DatabaseHandle;
  takenBy: BackupManifest['takenBy'];
  /** The data folder's secrets file, when it has one. */
  secrets: Buffer | null;
  /** The database copy: its entry and its bytes. */
  copy: ArchiveEntry;
  postgres?: BackupManifest['postgres'];
}): Promise<WrittenBackup> {
  const { file, database, secrets } = input;
  const manifest: BackupManifest = {
    format: 'intake-backup',
    formatVersion: BACKUP_FORMAT_VERSION,
    intakeVersion: intakeVersion(),
    createdAt: new Date().toISOString(),
    database: database.kind,
    migrations: (await readMigrationStatus(database)).applied,
    takenBy: input.takenBy,
    secretsFile: secrets !== null,
    secretKeyIds: [...(await countSealedByKeyId(database.db)).keys()].sort(),
    ...(input.postgres ? { postgres: input.postgres } : {}),
  };
  const entries: ArchiveEntry[] = [{ name: BACKUP_ENTRY.manifest, content: Buffer.from(JSON.stringify(manifest, null, 2)) }];
  if (secrets) entries.push({ name: BACKUP_ENTRY.secrets, content: secrets });
  entries.push(input.copy);
  const partial = `${file}.partial`;
  try {
    const bytes = await writeArchive(partial, entries);
    await rename(partial, file);
    return { file, bytes, manifest };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
