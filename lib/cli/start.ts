import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataDirOwner, DataDirLockedError } from '@/db/data-dir-lock';
import { getEnv } from '@/lib/env';
import { exitOnStartupError } from '@/lib/runtime/boot';

/**
 * `npm start`: checks the configuration, builds the app when its sources changed, then
 * serves it. The server process itself opens the database and runs the jobs.
 */
const root = process.cwd();
const nextBin = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
const httpServer = path.join(root, 'app', '_server', 'http-server.ts');
const fingerprintFile = path.join(root, '.next', 'intake-source-fingerprint');
const SOURCES = ['app', 'lib', 'db', 'jobs', 'proxy.ts', 'instrumentation.ts', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json', 'tsconfig.json'];

function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const visit = (entry: string) => {
    const full = path.join(root, entry);
    if (!existsSync(full)) return;
    const stats = statSync(full);
    if (stats.isDirectory()) {
      for (const child of readdirSync(full).sort()) visit(path.join(entry, child));
    } else {
      hash.update(`${entry}\0${stats.size}\0${stats.mtimeMs}\n`);
    }
  };
  SOURCES.forEach(visit);
  return hash.digest('hex');
}

function buildIfNeeded(): void {
  const fingerprint = sourceFingerprint();
  const built = existsSync(path.join(root, '.next', 'BUILD_ID')) && existsSync(fingerprintFile) ? readFileSync(fingerprintFile, 'utf8') : '';
  if (built === fingerprint) return;
  console.log('Building Intake (the first start takes a minute or two)…');
  const result = spawnSync(process.execPath, [nextBin, 'build'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) {
    console.error('Intake could not be built; the messages above say why.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(fingerprintFile, fingerprint);
}

function main(): void {
  const env = getEnv();
  if (env.databaseKind === 'pglite') {
    const owner = dataDirOwner(env.dataDir);
    if (owner !== undefined && owner !== process.pid) throw new DataDirLockedError(env.dataDir, owner);
  }
  buildIfNeeded();
  console.log(`Intake is starting on ${env.APP_URL} (database: ${env.databaseKind === 'pglite' ? env.dataDir : 'PostgreSQL'}).`);
  // The server runs with NODE_ENV=production, so pass the secrets resolved here explicitly.
  // The runtime's signal handler (instrumentation.ts) exits once the job runner has stopped
  // (leases released, worker marked stopped) and PGlite is closed.
  const server = spawn(process.execPath, ['--import', 'tsx', httpServer], {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      AUTH_SECRET: env.AUTH_SECRET,
      INTAKE_SECRET_KEY: env.INTAKE_SECRET_KEY,
      INTAKE_PREVIOUS_SECRET_KEYS: env.INTAKE_PREVIOUS_SECRET_KEYS.join(','),
      INTAKE_DATA_DIR: env.dataDir,
      APP_URL: env.APP_URL,
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => server.kill(signal));
  }
  server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

try {
  main();
} catch (error) {
  exitOnStartupError(error);
}
