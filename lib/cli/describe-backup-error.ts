import { BackupError, type BackupProblem } from '@/lib/backup/backup-error';
import { exitOnStartupError } from '@/lib/runtime/boot';

/** A backup or restore problem in words an operator can act on. */
export function describeBackupProblem(problem: BackupProblem): string {
  switch (problem.code) {
    case 'not_a_backup':
      return `${problem.file} is not an Intake backup: ${problem.reason}.`;
    case 'unsupported_format':
      return `${problem.file} is an Intake backup of format ${String(problem.formatVersion)}, which this version of Intake cannot read. Restore it with the Intake version that wrote it.`;
    case 'newer_schema':
      return `The backup comes from a newer Intake (${problem.backupMigrations} database migrations; this one knows ${problem.knownMigrations}). Update Intake, then restore.`;
    case 'wrong_database_kind':
      return problem.backup === 'pglite'
        ? 'The backup is of the embedded database, and DATABASE_URL names a PostgreSQL database. Unset DATABASE_URL to restore it into INTAKE_DATA_DIR.'
        : 'The backup is of a PostgreSQL database. Set DATABASE_URL to the (empty) database to restore it into.';
    case 'no_database':
      return `There is no Intake database in ${problem.dataDir}. Point INTAKE_DATA_DIR at the data folder (or set DATABASE_URL).`;
    case 'output_exists':
      return `${problem.file} already exists; name another file.`;
    case 'owner_cannot_back_up':
      return `The data folder ${problem.dataDir} is in use by an Intake process (pid ${problem.pid}) that does not take backup requests (an older version?). Stop it and run the backup again, or update it.`;
    case 'owner_exited':
      return `The Intake process writing the backup (pid ${problem.pid}) stopped before it was done; no backup was written. Run the backup again.`;
    case 'owner_silent':
      return `The running Intake (pid ${problem.pid}) did not take the backup request within ${problem.seconds} s. Check its log, or stop it and run the backup again.`;
    case 'owner_failed':
      return `The running Intake (pid ${problem.pid}) could not write the backup: ${problem.reason}`;
    case 'target_in_use':
      return `The data folder ${problem.dataDir} is in use by a running Intake (pid ${problem.pid}). Stop it, or restore into another INTAKE_DATA_DIR.`;
    case 'target_not_empty':
      return `${problem.location} already holds data. Restore into an empty one, or add --force to restore over it (an embedded data folder is moved aside, not deleted).`;
    case 'tool_missing':
      return `${problem.tool} was not found on PATH. Install the PostgreSQL client tools of your server's version (Debian: apt-get install postgresql-client).`;
    case 'tool_too_old':
      return `${problem.tool} ${problem.toolVersion} is older than needed (PostgreSQL ${problem.neededMajor}). Install postgresql-client-${problem.neededMajor} and put its ${problem.tool} first on PATH.`;
    case 'tool_failed':
      return `${problem.tool} failed (exit code ${problem.exitCode ?? 'none'}): ${problem.output || 'it printed nothing'}`;
  }
}

/** A backup or restore problem becomes one line and exit code 1; other start-up failures as elsewhere. */
export function exitOnBackupError(error: unknown): never {
  if (error instanceof BackupError) {
    console.error(describeBackupProblem(error.problem));
    process.exit(1);
  }
  exitOnStartupError(error);
}
