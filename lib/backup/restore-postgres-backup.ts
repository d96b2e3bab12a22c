import { type DatabaseHandle, openDatabase } from '@/db/client';
import type { Archive } from './backup-archive';
import { BackupError } from './backup-error';
import { BACKUP_ENTRY, type BackupManifest } from './backup-manifest';
import { postgresConnection, postgresToolMajor, startPostgresTool } from './postgres-tools';

async function tableCount(url: string): Promise<number> {
  const database = await openDatabase({ kind: 'postgres', url, maxConnections: 1 });
  try {
    const [row] = await database.query<{ count: number }>(
      "select count(*)::int as count from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
    );
    return row!.count;
  } finally {
    await database.close();
  }
}

/**
 * Restores a pg_dump backup into the database at `url`: into an empty one, or with `force` over
 * what is there (pg_restore --clean). One transaction: a restore that fails leaves the
 * database as it was. Returns the restored database, open.
 */
export async function restorePostgresBackup(input: { archive: Archive; manifest: BackupManifest; url: string; force: boolean }): Promise<DatabaseHandle> {
  const { archive, url } = input;
  const connection = postgresConnection(url);
  if (!input.force && (await tableCount(url)) > 0) throw new BackupError({ code: 'target_not_empty', location: connection.display });
  const restore = await postgresToolMajor('pg_restore');
  const neededMajor = input.manifest.postgres?.dumpMajor ?? 0;
  if (restore.major < neededMajor) throw new BackupError({ code: 'tool_too_old', tool: 'pg_restore', toolVersion: restore.version, neededMajor });
  const args = [
    '--no-owner',
    '--no-privileges',
    '--single-transaction',
    '--exit-on-error',
    '--no-password',
    ...(input.force ? ['--clean', '--if-exists'] : []),
    `--dbname=${connection.dbname}`,
  ];
  const running = startPostgresTool('pg_restore', args, connection.env, archive.stream(BACKUP_ENTRY.postgresDatabase));
  running.stdout.resume();
  await running.exited;
  return openDatabase({ kind: 'postgres', url, maxConnections: 2 });
}
