import { openDatabase } from '@/db/client';
import { BackupError } from './backup-error';
import { BACKUP_ENTRY } from './backup-manifest';
import { postgresConnection, postgresToolMajor, startPostgresTool } from './postgres-tools';
import { type WrittenBackup, writeBackupFile } from './write-backup-file';

/**
 * A PostgreSQL database's backup: `pg_dump --format=custom`, one consistent snapshot however
 * busy the database is, streamed into the backup file. pg_dump refuses a server newer than
 * itself, so that is checked first and said plainly.
 */
export async function dumpPostgresBackup({ url, file }: { url: string; file: string }): Promise<WrittenBackup> {
  const database = await openDatabase({ kind: 'postgres', url, maxConnections: 1 });
  try {
    const [server] = await database.query<{ version: string; number: number }>(
      "select current_setting('server_version') as version, current_setting('server_version_num')::int as number",
    );
    const serverMajor = Math.floor(server!.number / 10_000);
    const dump = await postgresToolMajor('pg_dump');
    if (dump.major < serverMajor) throw new BackupError({ code: 'tool_too_old', tool: 'pg_dump', toolVersion: dump.version, neededMajor: serverMajor });
    const connection = postgresConnection(url);
    const running = startPostgresTool('pg_dump', ['--format=custom', '--no-password', `--dbname=${connection.dbname}`], connection.env);
    async function* dumped(): AsyncGenerator<Uint8Array> {
      yield* running.stdout;
      // A pg_dump that failed half-way fails the backup, which is then not kept.
      await running.exited;
    }
    return await writeBackupFile({
      file,
      database,
      takenBy: 'backup-command',
      secrets: null,
      copy: { name: BACKUP_ENTRY.postgresDatabase, content: dumped() },
      postgres: { serverVersion: server!.version, dumpMajor: dump.major },
    });
  } finally {
    await database.close();
  }
}
