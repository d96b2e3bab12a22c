import { getDatabase } from '@/db/client';
import { migrateDatabase, readMigrationStatus } from '@/db/migrate';
import { exitOnStartupError } from '@/lib/runtime/boot';

/** `npm run db:migrate`: applies the committed migrations and reports the result. */
async function main(): Promise<void> {
  const database = await getDatabase();
  try {
    await migrateDatabase(database);
    const status = await readMigrationStatus(database);
    console.log(`Intake database (${database.kind}) is up to date: ${status.applied} of ${status.expected} migrations applied.`);
  } finally {
    await database.close();
  }
}

main().catch(exitOnStartupError);
