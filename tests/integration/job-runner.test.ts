import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobRunner } from '@/jobs/runner';
import { getHealth } from '@/lib/system/get-health';
import { getJobRunnerStatus } from '@/lib/system/job-runner-status';
import { seedAdmin } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('job runner', () => {
  it('reports unhealthy until a runner works the heartbeat job, then healthy', async () => {
    const { handle } = testDb;
    const before = await getHealth(handle);
    expect(before.status).toBe('unhealthy');
    expect(before.migrations.upToDate).toBe(true);
    expect(before.database.kind).toBe(handle.kind);

    const runner = await startJobRunner({ database: handle, mode: 'worker' });
    try {
      const admin = await seedAdmin(handle.db);
      const status = await waitFor(async () => {
        const current = await getJobRunnerStatus({ db: handle.db, actor: admin });
        return current.workers.some((worker) => worker.id === runner.workerId && worker.responding) && current;
      });
      expect(status.lastHeartbeatSecondsAgo).toBeLessThan(30);
      const after = await getHealth(handle);
      expect(after).toMatchObject({ status: 'ok', jobRunner: { healthy: true } });
      expect(JSON.stringify(after)).not.toMatch(/postgres:\/\/|password|secret/i);
    } finally {
      await runner.stop();
    }
    const admin = { userId: '', email: '', name: '', isSystemAdmin: true };
    const stopped = await getJobRunnerStatus({ db: handle.db, actor: admin });
    expect(stopped.workers.find((worker) => worker.id === runner.workerId)).toBeUndefined();
  });
});
