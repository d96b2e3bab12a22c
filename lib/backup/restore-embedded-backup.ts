import { existsSync, readdirSync, renameSync } from 'node:fs';
import { type DatabaseHandle, openDatabase } from '@/db/client';
import { dataDirOwner } from '@/db/data-dir-lock';
import { writeStoredSecrets } from '@/lib/env';
import type { Archive } from './backup-archive';
import { BackupError } from './backup-error';
import { BACKUP_ENTRY } from './backup-manifest';

export interface RestoredEmbedded {
  database: DatabaseHandle;
  /** Where a data folder that was in the way now is (with `force`). */
  movedAside?: string;
  secretsRestored: boolean;
}

/** What a folder Intake never used may hold: nothing, or a lock left by a process long gone. */
function holdsIntakeData(dataDir: string): boolean {
  return existsSync(dataDir) && readdirSync(dataDir).some((name) => name !== 'intake.lock');
}

/**
 * Unpacks an embedded backup into `dataDir`: the PGlite folder and the secrets file it was taken
 * with. Never over a running Intake; over an existing folder only with `force`, which moves that
 * folder aside rather than delete it. Returns the restored database, open (and locked).
 */
export async function restoreEmbeddedBackup(input: { archive: Archive; dataDir: string; force: boolean }): Promise<RestoredEmbedded> {
  const { archive, dataDir } = input;
  const owner = dataDirOwner(dataDir);
  if (owner !== undefined) throw new BackupError({ code: 'target_in_use', dataDir, pid: owner });
  let movedAside: string | undefined;
  if (holdsIntakeData(dataDir)) {
    if (!input.force) throw new BackupError({ code: 'target_not_empty', location: dataDir });
    movedAside = `${dataDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(dataDir, movedAside);
  }
  const copy = await archive.read(BACKUP_ENTRY.embeddedDatabase);
  const database = await openDatabase({ kind: 'pglite', dataDir, loadDataDir: new Blob([copy]) });
  const secretsRestored = archive.names.includes(BACKUP_ENTRY.secrets);
  if (secretsRestored) writeStoredSecrets(dataDir, JSON.parse((await archive.read(BACKUP_ENTRY.secrets)).toString('utf8')));
  return { database, movedAside, secretsRestored };
}
