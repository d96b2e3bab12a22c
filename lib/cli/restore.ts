import { parseArgs } from 'node:util';
import { type RestoreReport, restoreBackup } from '@/lib/backup/restore-backup';
import { createSecretBox } from '@/lib/crypto/secret-box';
import { ConfigError, type DatabaseLocation, parseDatabaseLocation, parseEnv } from '@/lib/env';
import { exitOnBackupError } from './describe-backup-error';

/**
 * `npm run restore -- FILE [--force]`: into INTAKE_DATA_DIR (embedded) or DATABASE_URL's
 * database, which must be empty unless --force; then the migrations since the backup. Checks
 * that the keys Intake will start with can decrypt the restored tokens and passwords.
 */
const USAGE = 'Usage: npm run restore -- FILE [--force]';

/** The ids of the keys Intake will start with here, or why they cannot be known yet. */
function configuredKeyIds(target: DatabaseLocation, report: RestoreReport): string[] | string {
  if (target.kind === 'pglite' && !report.secretsRestored && !process.env.INTAKE_SECRET_KEY) {
    return 'the backup holds no secrets file and INTAKE_SECRET_KEY is not set';
  }
  try {
    const env = parseEnv({ ...process.env, ...(target.kind === 'pglite' ? { INTAKE_DATA_DIR: target.dataDir } : {}) });
    return [env.INTAKE_SECRET_KEY, ...env.INTAKE_PREVIOUS_SECRET_KEYS].map((key) => createSecretBox(key).currentKeyId);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.replace(/^Intake cannot start: /, '');
    throw error;
  }
}

function reportKeys(target: DatabaseLocation, report: RestoreReport): void {
  const sealed = [...report.sealedByKeyId.values()].reduce((sum, count) => sum + count, 0);
  if (sealed === 0) return;
  const configured = configuredKeyIds(target, report);
  if (typeof configured === 'string') {
    console.log(
      `Before starting Intake, give it the encryption key kept with this backup (key ${[...report.sealedByKeyId.keys()].join(', ')}): ${configured}.`,
    );
    return;
  }
  const missing = [...report.sealedByKeyId].filter(([keyId]) => !configured.includes(keyId));
  if (missing.length === 0) {
    console.log(`All ${sealed} stored tokens and passwords can be decrypted with the configured key.`);
    return;
  }
  const count = missing.reduce((sum, [, n]) => sum + n, 0);
  console.log(
    `WARNING: ${count} stored tokens and passwords were encrypted with key ${missing.map(([keyId]) => keyId).join(', ')}, which is not configured. ` +
      'Set INTAKE_SECRET_KEY (or INTAKE_PREVIOUS_SECRET_KEYS) to the key kept with this backup before starting Intake; otherwise every mailbox needs its password or authorization again.',
  );
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  if (positionals.length !== 1) {
    console.error(USAGE);
    process.exit(2);
  }
  const [file] = positionals as [string];
  const target = parseDatabaseLocation(process.env);
  console.log(`Restoring ${file} into ${target.kind === 'pglite' ? target.dataDir : 'the PostgreSQL database of DATABASE_URL'}…`);
  const report = await restoreBackup({ file, target, force: values.force });
  const { manifest, migrations } = report;
  if (report.movedAside) console.log(`The data folder that was there is now ${report.movedAside}.`);
  const added = migrations.applied - manifest.migrations;
  console.log(
    `Restored the backup taken ${manifest.createdAt} by Intake ${manifest.intakeVersion}. ` +
      `Database migrations: ${migrations.applied} of ${migrations.expected} applied${added > 0 ? ` (${added} since the backup)` : ''}.`,
  );
  reportKeys(target, report);
  console.log(
    'Start Intake as usual: it reads each mailbox on from where the backup left off. Mail that came after the backup is filed again, ' +
      'and emails Intake sent after the backup may go out again (see "Backup and restore" in README.md).',
  );
}

main().catch(exitOnBackupError);
