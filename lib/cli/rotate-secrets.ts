import { randomBytes } from 'node:crypto';
import { getDatabase } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { rotateSecrets } from '@/lib/crypto/rotate-secrets';
import { createSecretBox } from '@/lib/crypto/secret-box';
import { getEnv, readStoredSecrets, writeStoredSecrets } from '@/lib/env';
import { exitOnStartupError } from '@/lib/runtime/boot';

/**
 * `npm run secrets:rotate`: re-encrypts every stored secret with a new key.
 * Embedded mode generates the new key in the data folder; otherwise the operator sets
 * INTAKE_SECRET_KEY to the new key and INTAKE_PREVIOUS_SECRET_KEYS to the old one(s).
 */
async function main(): Promise<void> {
  const env = getEnv();
  const managedKeys = !process.env.INTAKE_SECRET_KEY;
  let box = createSecretBox(env.INTAKE_SECRET_KEY, env.INTAKE_PREVIOUS_SECRET_KEYS);
  const database = await getDatabase();
  try {
    await migrateDatabase(database);
    if (managedKeys) {
      const stored = readStoredSecrets(env.dataDir);
      const next = randomBytes(32).toString('base64');
      // The new key is saved (with the old ones still listed) before anything is re-encrypted,
      // so an interrupted rotation leaves every value readable.
      const previous = [stored.INTAKE_SECRET_KEY, ...stored.INTAKE_PREVIOUS_SECRET_KEYS];
      writeStoredSecrets(env.dataDir, { ...stored, INTAKE_SECRET_KEY: next, INTAKE_PREVIOUS_SECRET_KEYS: previous });
      box = createSecretBox(next, previous);
    }
    const report = await rotateSecrets({ db: database.db, box });
    console.log(`Secrets rotated to key ${box.currentKeyId}: ${report.resealed} re-encrypted, ${report.alreadyCurrent} already current.`);
    if (!managedKeys) console.log('Every secret now uses INTAKE_SECRET_KEY; you may remove the old keys from INTAKE_PREVIOUS_SECRET_KEYS.');
  } finally {
    await database.close();
  }
}

main().catch(exitOnStartupError);
