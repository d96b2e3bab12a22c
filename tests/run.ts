import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureTestCa } from './harness';
import { defaultUsers } from './harness/accounts';
import { ensureCertutilInstalled, ensureChromiumInstalled, ensureDovecotInstalled } from './harness/system';
import { scanLogsForSecrets } from './hardening/scan-logs';
import { writeHardeningSummary } from './hardening/summary';
import { failureDigest } from './support/failure-digest';

/**
 * `npm test`: the whole suite — type check, lint and format check (Biome), unit tests, integration tests against the real
 * mail harness (on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set), then the
 * Playwright end-to-end tests against the built app; then the hardening figures and a scan of
 * every log for secrets. Missing Debian packages are installed when running as root;
 * otherwise the run stops and says what to install.
 */
interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  /** The failing tests and their first error line, so a log read only from its tail still names them. */
  failures: string[];
}

const tmp = path.join(process.cwd(), 'tests', '.tmp');
const logDir = path.join(tmp, 'logs');
const ledger = path.join(tmp, 'secret-ledger.txt');

function runStep(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<StepResult> {
  console.log(`\n━━ ${name} ━━ ${command} ${args.join(' ')}`);
  const log = createWriteStream(path.join(logDir, `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.log`));
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'], env });
    for (const [stream, target] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      stream.on('data', (chunk: Buffer) => {
        target.write(chunk);
        log.write(chunk);
      });
    }
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    const finish = (ok: boolean) =>
      log.end(() =>
        resolve({
          name,
          ok,
          seconds: (performance.now() - started) / 1000,
          failures: ok ? [] : failureDigest(Buffer.concat(output).toString('utf8')),
        }),
      );
    child.on('exit', (code) => finish(code === 0));
    child.on('error', () => finish(false));
  });
}

/** Every secret this run created or used: harness passwords, client secrets and tokens, test settings. */
function knownSecrets(): string[] {
  const secrets = existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n') : [];
  const vitestConfig = readFileSync(path.join(process.cwd(), 'vitest.config.ts'), 'utf8');
  secrets.push(...[...vitestConfig.matchAll(/(?:AUTH_SECRET|INTAKE_SECRET_KEY): '([^']+)'/g)].map((match) => match[1]!));
  const e2eSecrets = path.join(tmp, 'e2e-data', 'secrets.json');
  if (existsSync(e2eSecrets)) {
    const stored = JSON.parse(readFileSync(e2eSecrets, 'utf8')) as Record<string, string>;
    secrets.push(stored.AUTH_SECRET ?? '', stored.INTAKE_SECRET_KEY ?? '');
  }
  for (const spec of ['helpers.ts', '05-security.spec.ts', '04-workspace.spec.ts', '03-email-channel.spec.ts', '02-oauth-integrations.spec.ts']) {
    const source = readFileSync(path.join(process.cwd(), 'tests', 'e2e', spec), 'utf8');
    secrets.push(...[...source.matchAll(/password: '([^']+)'/g)].map((match) => match[1]!));
  }
  secrets.push(...defaultUsers.map((user) => user.password));
  return secrets;
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
  for (const stale of [logDir, ledger, path.join(tmp, 'hardening')]) rmSync(stale, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const caFile = await ensureTestCa();
  const { TEST_DATABASE_URL, ...withoutPostgres } = process.env;
  const base = {
    ...withoutPostgres,
    NODE_EXTRA_CA_CERTS: caFile,
    NEXT_TELEMETRY_DISABLED: '1',
    INTAKE_TEST_SECRET_LEDGER: ledger,
    FORCE_COLOR: process.env.FORCE_COLOR ?? '1',
  };
  const results: StepResult[] = [];
  results.push(await runStep('Type check', 'npx', ['tsc', '--noEmit'], base));
  results.push(await runStep('Lint and format check', 'npm', ['run', '--silent', 'lint'], base));
  results.push(await runStep('Unit tests', 'npx', ['vitest', 'run', '--project', 'unit'], base));
  results.push(await runStep('Integration tests on PGlite', 'npx', ['vitest', 'run', '--project', 'integration'], base));
  if (TEST_DATABASE_URL) {
    results.push(await runStep('Integration tests on PostgreSQL', 'npx', ['vitest', 'run', '--project', 'integration'], { ...base, TEST_DATABASE_URL }));
  } else {
    console.log('\nTEST_DATABASE_URL is not set: integration tests ran on PGlite only (.ci/run covers PostgreSQL too).');
  }
  results.push(await runStep('End-to-end tests (Playwright, Chromium)', 'npx', ['playwright', 'test'], base));

  writeHardeningSummary();
  const leaks = scanLogsForSecrets(logDir, knownSecrets());
  console.log(`Secrets in logs       ${leaks.length === 0 ? 'none found' : leaks.join(', ')}`);
  results.push({ name: 'No secret in any log', ok: leaks.length === 0, seconds: 0, failures: leaks });

  console.log('\n━━ Summary ━━');
  for (const result of results) {
    console.log(`${result.ok ? 'PASS' : 'FAIL'}  ${result.name.padEnd(42)} ${result.seconds.toFixed(0).padStart(5)} s`);
    for (const failure of result.failures) console.log(`        ${failure}`);
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
