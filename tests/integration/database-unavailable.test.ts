import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHeartbeat, registerWorker } from '@/lib/system/job-runner-status';
import { type RunningApp, startApp } from '../bench/support/web-app';
import { waitUntil } from '../support/bulk-ingestion';
import { PrivatePostgres } from '../support/private-postgres';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

// The production web server (`npm start`, built when the sources changed) on a PostgreSQL server
// of the test's own, which is stopped under it and started again: the health probe says so
// without hanging, pages show a plain "database unavailable" page, and the server stays up.

// PostgreSQL only: PGlite runs inside the web server and cannot be gone while it runs.
const postgres = Boolean(process.env.TEST_DATABASE_URL);

describe.runIf(postgres)('the database gone under the web server', () => {
  let server: PrivatePostgres;
  let testDb: TestDatabase;
  let app: RunningApp;

  beforeAll(async () => {
    server = await PrivatePostgres.start();
    testDb = await createTestDatabase(server.url);
    // The job runner runs elsewhere; its heartbeat is what health also asks for.
    await registerWorker(testDb.handle.db, { id: 'web-test-worker', hostname: 'test', pid: process.pid, mode: 'worker' });
    app = await startApp(testDb.url!);
  }, 900_000);
  afterAll(async () => {
    await app?.stop();
    await testDb?.handle.close().catch(() => {});
    await server?.destroy();
  });

  const get = async (path: string) => {
    const started = Date.now();
    const response = await fetch(`${app.url}${path}`, { redirect: 'manual' });
    return { status: response.status, body: await response.text(), ms: Date.now() - started };
  };
  const healthy = async () => {
    await recordHeartbeat(testDb.handle.db, 'web-test-worker');
    return get('/api/health');
  };

  it('/api/health answers 503 at once and pages a 503 "database unavailable" page, never a stack trace; 200 when it is back', {
    timeout: 120_000,
  }, async () => {
    expect((await healthy()).status).toBe(200);
    expect((await get('/')).status).toBeLessThan(500);

    await server.stop({ mode: 'fast' });
    const health = await waitUntil(
      'health says the database is gone',
      async () => {
        const answer = await get('/api/health');
        return answer.status === 503 && answer;
      },
      30_000,
    );
    expect(JSON.parse(health.body)).toMatchObject({ status: 'unhealthy', database: { reachable: false } });
    expect(health.ms).toBeLessThan(5_000);
    const page = await waitUntil(
      'the page says the database is unavailable',
      async () => {
        const answer = await get('/');
        return answer.status === 503 && answer;
      },
      30_000,
    );
    expect(page.body).toContain('The database is unavailable');
    expect(page.body).toContain('Intake will keep retrying; reload in a moment');
    expect(page.body).not.toMatch(/Error:|\n\s+at |digest/i);
    expect((await get('/projects')).status).toBe(503);

    await server.start();
    await waitUntil('health is back', async () => (await healthy().catch(() => ({ status: 0 }))).status === 200, 60_000);
    expect((await get('/')).status).toBeLessThan(500);
  });
});
