import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ensureTestCa } from '../harness';
import { writeHardeningSummary } from './summary';

/**
 * `npm run test:hardening`: only the hardening suites — hostile mail, faults and crashes,
 * attacks — on PGlite (and PostgreSQL with TEST_DATABASE_URL), then their figures.
 * `npm test` runs them too, with everything else.
 */
const SUITES = [
  'tests/integration/hostile-corpus.test.ts',
  'tests/integration/faults.test.ts',
  'tests/integration/crash.test.ts',
  'tests/integration/race.test.ts',
  'tests/integration/worker-death.test.ts',
  'tests/integration/provider-limits.test.ts',
  'tests/integration/oauth.test.ts',
  'tests/integration/authorization-matrix.test.ts',
];

const { TEST_DATABASE_URL, ...withoutPostgres } = process.env;
rmSync(path.join(process.cwd(), 'tests', '.tmp', 'hardening'), { recursive: true, force: true });
const env = { ...withoutPostgres, NODE_EXTRA_CA_CERTS: await ensureTestCa() };
const passes = [env, ...(TEST_DATABASE_URL ? [{ ...env, TEST_DATABASE_URL }] : [])];
let failed = false;
for (const passEnv of passes) {
  const result = spawnSync('npx', ['vitest', 'run', '--project', 'integration', ...SUITES], { stdio: 'inherit', env: passEnv });
  failed ||= result.status !== 0;
}
const summary = writeHardeningSummary();
if (
  failed ||
  summary.faults.lost > 0 ||
  summary.faults.duplicated > 0 ||
  summary.faults.unsent > 0 ||
  summary.faults.sentTwice > 0 ||
  summary.attacks.refused < summary.attacks.tried ||
  summary.providerLimits.attemptsWhilePaused > 0 ||
  summary.corpus.passed < summary.corpus.tried
) {
  console.error('\nThe hardening suites found problems; see above.');
  process.exit(1);
}
