import { spawn } from 'node:child_process';
import { ensureTestCa } from './harness';
import { ensureChromiumInstalled, ensureCertutilInstalled, ensureDovecotInstalled } from './harness/system';

/**
 * `npm test`: the whole suite — type check, unit tests, integration tests against the real
 * mail harness (on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set), then the
 * Playwright end-to-end tests against the built app. Missing Debian packages are installed
 * when running as root; otherwise the run stops and says what to install.
 */
interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
}

function runStep(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<StepResult> {
  console.log(`\n━━ ${name} ━━ ${command} ${args.join(' ')}`);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.on('exit', (code) => resolve({ name, ok: code === 0, seconds: (performance.now() - started) / 1000 }));
    child.on('error', () => resolve({ name, ok: false, seconds: (performance.now() - started) / 1000 }));
  });
}

async function main(): Promise<void> {
  console.log('Checking system packages (Dovecot, Chromium, NSS tools)…');
  try {
    await ensureDovecotInstalled();
    await ensureChromiumInstalled();
    await ensureCertutilInstalled();
  } catch (error) {
    console.error(`\nnpm test cannot run: ${(error as Error).message}`);
    process.exit(1);
  }
  const caFile = await ensureTestCa();
  const { TEST_DATABASE_URL, ...withoutPostgres } = process.env;
  const base = { ...withoutPostgres, NODE_EXTRA_CA_CERTS: caFile, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '1' };
  const npx = 'npx';
  const results: StepResult[] = [];
  results.push(await runStep('Type check', npx, ['tsc', '--noEmit'], base));
  results.push(await runStep('Unit tests', npx, ['vitest', 'run', '--project', 'unit'], base));
  results.push(await runStep('Integration tests on PGlite', npx, ['vitest', 'run', '--project', 'integration'], base));
  if (TEST_DATABASE_URL) {
    results.push(await runStep('Integration tests on PostgreSQL', npx, ['vitest', 'run', '--project', 'integration'], { ...base, TEST_DATABASE_URL }));
  } else {
    console.log('\nTEST_DATABASE_URL is not set: integration tests ran on PGlite only (.ci/run covers PostgreSQL too).');
  }
  results.push(await runStep('End-to-end tests (Playwright, Chromium)', npx, ['playwright', 'test'], base));

  console.log('\n━━ Summary ━━');
  for (const result of results) {
    console.log(`${result.ok ? 'PASS' : 'FAIL'}  ${result.name.padEnd(42)} ${result.seconds.toFixed(0).padStart(5)} s`);
  }
  const failed = results.filter((result) => !result.ok);
  if (failed.length > 0) {
    console.error(`\n${failed.length} step(s) failed: ${failed.map((result) => result.name).join(', ')}.`);
    process.exit(1);
  }
  console.log('\nAll tests passed.');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
