/**
 * What can stop a backup or a restore, as a code with the facts of the case. The CLIs put it
 * into words (lib/cli/describe-backup-error.ts); nothing here holds a password or a key.
 */
export type BackupProblem =
  | { code: 'not_a_backup'; file: string; reason: string }
  | { code: 'unsupported_format'; file: string; formatVersion: unknown }
  | { code: 'newer_schema'; backupMigrations: number; knownMigrations: number }
  | { code: 'wrong_database_kind'; backup: 'pglite' | 'postgres'; target: 'pglite' | 'postgres' }
  | { code: 'no_database'; dataDir: string }
  | { code: 'output_exists'; file: string }
  | { code: 'owner_cannot_back_up'; dataDir: string; pid: number }
  | { code: 'owner_exited'; pid: number }
  | { code: 'owner_silent'; pid: number; seconds: number }
  | { code: 'owner_failed'; pid: number; reason: string }
  | { code: 'target_in_use'; dataDir: string; pid: number }
  | { code: 'target_not_empty'; location: string }
  | { code: 'tool_missing'; tool: string }
  | { code: 'tool_too_old'; tool: string; toolVersion: string; neededMajor: number }
  | { code: 'tool_failed'; tool: string; exitCode: number | null; output: string };

export class BackupError extends Error {
  constructor(readonly problem: BackupProblem) {
    super(`Backup or restore stopped: ${problem.code}`);
    this.name = 'BackupError';
  }
}
