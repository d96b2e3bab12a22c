import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workers } from '@/db/schema';
import { startJobRunner } from '@/jobs/runner';
import { getHealth } from '@/lib/system/get-health';
import { getJobRunnerStatus } from '@/lib/system/job-runner-status';
import { seedAdmin } from '../support/fixtures';
import { useHarness } from '../support/harness';
import { WorkerDatabase } from '../support/worker-processes';
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

  it('stops cleanly on Ctrl-C, when the signal arrives twice in a moment as it does under npm', { timeout: 60_000 }, async () => {
    const harness = await useHarness();
    const database = await WorkerDatabase.create();
    try {
      await database.handOver();
      const worker = database.startWorker(harness.caFile);
      await waitFor(async () => worker.running, 30_000).catch(() => {
        throw new Error(`the worker did not start:\n${worker.output}`);
      });
      await worker.interrupt();
      expect(worker.ending, worker.output).toEqual({ code: 0, signal: null });
      expect(worker.output).toMatch(/"event":"jobs\.stopped"/);
      const handle = await database.takeBack();
      const rows = await handle.db.select({ stoppedAt: workers.stoppedAt }).from(workers).where(eq(workers.pid, worker.pid));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.stoppedAt).not.toBeNull();
    } finally {
      await database.drop();
    }
  });
});
