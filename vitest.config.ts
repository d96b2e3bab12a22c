import path from 'node:path';
import { defineConfig } from 'vitest/config';

const alias = { '@': path.resolve(import.meta.dirname) };

/** Tests never fall back to generating secrets in the working tree's data folder. */
const env = {
  APP_URL: 'http://localhost:3999',
  AUTH_SECRET: 'test-auth-secret-0123456789abcdefghijklmnop',
  INTAKE_SECRET_KEY: 'test-secret-key-0123456789abcdefghijklmnopq',
  INTAKE_DATA_DIR: 'tests/.tmp/vitest-data',
  INTAKE_LOG_LEVEL: 'warn',
  // The mail harness listens on loopback, which Intake refuses unless allowed.
  MAIL_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,127.0.0.2',
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          env,
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          env,
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/support/integration-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration files share one mail harness; run them one at a time on two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
