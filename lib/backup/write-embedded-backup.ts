import { readFile } from 'node:fs/promises';
import type { DatabaseHandle } from '@/db/client';
import { storedSecretsPath } from '@/lib/env';
import { BACKUP_ENTRY, type BackupManifest } from './backup-manifest';
import { type WrittenBackup, writeBackupFile } from './write-backup-file';

async function readIfPresent(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The backup of an open PGlite database, with the data folder's generated secrets: without the
 * key in them the tokens and passwords in the copy could not be decrypted.
 */
export async function writeEmbeddedBackup(input: {
  database: DatabaseHandle;
  dataDir: string;
  file: string;
  takenBy: BackupManifest['takenBy'];
}): Promise<WrittenBackup> {
  const { database } = input;
  if (!database.dumpDataDir) throw new Error('Only an embedded database is copied with its data folder.');
  const copy = Buffer.from(await (await database.dumpDataDir()).arrayBuffer());
  return writeBackupFile({
    file: input.file,
    database,
    takenBy: input.takenBy,
    secrets: await readIfPresent(storedSecretsPath(input.dataDir)),
    copy: { name: BACKUP_ENTRY.embeddedDatabase, content: copy },
  });
}
