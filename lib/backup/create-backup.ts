import { existsSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '@/db/client';
import { dataDirOwner } from '@/db/data-dir-lock';
import type { DatabaseLocation } from '@/lib/env';
import { BackupError } from './backup-error';
import { dumpPostgresBackup } from './dump-postgres-backup';
import { requestLiveBackup } from './request-live-backup';
import type { WrittenBackup } from './write-backup-file';
import { writeEmbeddedBackup } from './write-embedded-backup';

export type BackupProgress = { step: 'asking-running-intake'; pid: number } | { step: 'writing'; by: 'running-intake' | 'backup-command' };

/**
 * Writes a backup of the database at `source` to `file` (which must not exist yet). An embedded
 * database in use is copied by the Intake process holding it, so it never stops; a stopped one
 * is opened and copied here, as it is, without migrating it.
 */
export async function createBackup(input: { source: DatabaseLocation; file: string; onProgress?: (progress: BackupProgress) => void }): Promise<WrittenBackup> {
  const { source, onProgress } = input;
  const file = path.resolve(input.file);
  if (existsSync(file)) throw new BackupError({ code: 'output_exists', file });
  if (source.kind === 'postgres') {
    onProgress?.({ step: 'writing', by: 'backup-command' });
    return dumpPostgresBackup({ url: source.url, file });
  }
  const { dataDir } = source;
  if (!existsSync(path.join(dataDir, 'pglite'))) throw new BackupError({ code: 'no_database', dataDir });
  const owner = dataDirOwner(dataDir);
  if (owner !== undefined) {
    onProgress?.({ step: 'asking-running-intake', pid: owner });
    return requestLiveBackup({ dataDir, pid: owner, file, onWriting: () => onProgress?.({ step: 'writing', by: 'running-intake' }) });
  }
  const database = await openDatabase({ kind: 'pglite', dataDir });
  try {
    onProgress?.({ step: 'writing', by: 'backup-command' });
    return await writeEmbeddedBackup({ database, dataDir, file, takenBy: 'backup-command' });
  } finally {
    await database.close();
  }
}
