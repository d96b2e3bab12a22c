import path from 'node:path';
import { tmpdir } from 'node:os';
import { defineConfig } from '@playwright/test';

/** Chromium trusts the harness's test CA through the NSS database in this HOME (see tests/harness/browser.ts). */
const browserHome = path.join(tmpdir(), 'intake-test-ca', 'browser-home');

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;

export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalSetup: './tests/e2e/global-setup.ts',
  outputDir: 'tests/.tmp/e2e-results',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      env: { ...process.env, HOME: browserHome },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // A fresh embedded data folder per run: the first visit must lead to setup.
    command: 'rm -rf tests/.tmp/e2e-data && npx tsx lib/cli/start.ts',
    url: `${baseURL}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      APP_URL: baseURL,
      INTAKE_DATA_DIR: 'tests/.tmp/e2e-data',
      INTAKE_LOG_LEVEL: 'warn',
      MAIL_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,127.0.0.2',
    },
  },
});
