import { testDatabaseKind } from './test-database';

/** Runs once per integration pass; says which database this pass covers. */
export default function setup(): void {
  const kind = testDatabaseKind();
  console.log(`Integration tests run on ${kind === 'postgres' ? 'PostgreSQL (TEST_DATABASE_URL)' : 'embedded PGlite'}.`);
}
