import { z } from 'zod';
import { BackupError } from './backup-error';

/** The entries of a backup archive, in the order they are written. */
export const BACKUP_ENTRY = {
  manifest: 'manifest.json',
  /** Embedded mode's generated AUTH_SECRET and INTAKE_SECRET_KEY, when the data folder has them. */
  secrets: 'secrets.json',
  /** PGlite's data folder as PGlite's own gzipped tar. */
  embeddedDatabase: 'database.tar.gz',
  /** `pg_dump --format=custom`. */
  postgresDatabase: 'database.pgdump',
} as const;

export const BACKUP_FORMAT_VERSION = 1;

const manifestSchema = z.object({
  format: z.literal('intake-backup'),
  formatVersion: z.number().int(),
  intakeVersion: z.string(),
  createdAt: z.iso.datetime(),
  database: z.enum(['pglite', 'postgres']),
  /** Migrations applied in the database copied: a restore applies the ones that came since. */
  migrations: z.number().int().min(0),
  /** Whether the running Intake wrote the copy from its open database, or the backup command from a stopped one. */
  takenBy: z.enum(['running-intake', 'backup-command']),
  secretsFile: z.boolean(),
  /** Ids (not the keys) of the encryption keys the stored tokens and passwords were sealed with. */
  secretKeyIds: z.array(z.string()),
  /** PostgreSQL only: the server's version and the pg_dump that read it (pg_restore must be as new). */
  postgres: z.object({ serverVersion: z.string(), dumpMajor: z.number().int() }).optional(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

/**
 * The manifest of the backup `file`, checked before anything is restored from it. Another
 * format version is refused rather than guessed at.
 */
export function parseBackupManifest(text: string, file: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupError({ code: 'not_a_backup', file, reason: 'its manifest is not JSON' });
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if ((json as { format?: unknown } | null)?.format === 'intake-backup' && version !== BACKUP_FORMAT_VERSION) {
    throw new BackupError({ code: 'unsupported_format', file, formatVersion: version });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BackupError({ code: 'not_a_backup', file, reason: `its manifest has no valid ${issue.path.join('.') || 'content'}` });
  }
  return parsed.data;
}
