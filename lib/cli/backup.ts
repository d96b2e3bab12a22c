import { parseArgs } from 'node:util';
import { createBackup } from '@/lib/backup/create-backup';
import { createSecretBox } from '@/lib/crypto/secret-box';
import { parseDatabaseLocation } from '@/lib/env';
import { exitOnBackupError } from './describe-backup-error';

/**
 * `npm run backup [-- FILE]`: one file with the database (embedded: copied by the running
 * Intake if one holds the folder; PostgreSQL: pg_dump) and, in embedded mode, the generated
 * secrets. Says what must be kept besides it: a key given in the environment is not in it.
 */
const USAGE = 'Usage: npm run backup [-- FILE]   (default: intake-backup-<date and time>.tar in this folder)';

function defaultFile(): string {
  return `intake-backup-${new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}.tar`;
}

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  if (positionals.length > 1) {
    console.error(USAGE);
    process.exit(2);
  }
  const source = parseDatabaseLocation(process.env);
  const written = await createBackup({
    source,
    file: positionals[0] ?? defaultFile(),
    onProgress(progress) {
      if (progress.step === 'asking-running-intake')
        console.log(`Intake is running (pid ${progress.pid}): asking it to write the backup from its open database…`);
      else
        console.log(
          progress.by === 'running-intake'
            ? 'Intake is writing the backup…'
            : `Writing the backup of ${source.kind === 'pglite' ? source.dataDir : 'the PostgreSQL database'}…`,
        );
    },
  });
  const { manifest } = written;
  console.log(
    `Backup written: ${written.file} (${(written.bytes / 1024 / 1024).toFixed(1)} MB; ${manifest.database === 'pglite' ? 'embedded database' : `PostgreSQL ${manifest.postgres?.serverVersion}`}, ${manifest.migrations} migrations, Intake ${manifest.intakeVersion}).`,
  );
  const envKey = process.env.INTAKE_SECRET_KEY;
  const keys = manifest.secretKeyIds.length > 0 ? ` (stored secrets use key ${manifest.secretKeyIds.join(', ')})` : '';
  if (envKey) {
    console.log(
      `Keep INTAKE_SECRET_KEY (key ${createSecretBox(envKey).currentKeyId}) with this backup: it is set in the environment and is not in the backup${keys}. ` +
        'Without it the mailbox tokens and passwords in the backup cannot be decrypted. Keep AUTH_SECRET and the rest of the configuration too.',
    );
  } else if (manifest.secretsFile) {
    console.log(`The backup holds the data folder's secrets.json: the encryption key${keys} and AUTH_SECRET. Keep it as safe as the data folder itself.`);
  } else {
    console.log(`The backup holds no encryption key${keys}: keep the INTAKE_SECRET_KEY Intake runs with (or the secrets.json of its data folder) with it.`);
  }
}

main().catch(exitOnBackupError);
