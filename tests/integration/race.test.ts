import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailboxes, workers } from '@/db/schema';
import type { Harness } from '../harness';
import { allHandled, expectEachMessageFiledOnce, seedBulkMailbox, waitUntil, waitUntilAllHandled } from '../support/bulk-ingestion';
import { buildEmail } from '../support/emails';
import { useHarness } from '../support/harness';
import { WorkerDatabase, type WorkerProcess } from '../support/worker-processes';

// Two worker processes race for one mailbox of 1,000 messages: both dispatch polls through
// pg-boss and both may hold IDLE connections, more mail arrives while they poll, and the one
// holding the mailbox is killed once and restarted, so both go for the expired lease together.

const FIRST_WAVE = 600;
const LATER_WAVES = 8;
const PER_LATER_WAVE = 50;

let harness: Harness;
let database: WorkerDatabase;
beforeAll(async () => {
  harness = await useHarness();
  database = await WorkerDatabase.create();
});
afterAll(() => database?.drop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two worker processes on one mailbox', () => {
  if (!process.env.TEST_DATABASE_URL) {
    // The race needs two processes on one database, which only PostgreSQL allows.
    it('cannot happen on PGlite: a second process refuses the data folder the first one holds', { timeout: 60_000 }, async () => {
      await database.handOver();
      const first = database.startWorker(harness.caFile);
      try {
        await waitUntil(
          'the first worker runs',
          async () => first.running,
          30_000,
          () => first.output,
        );
        const second = database.startWorker(harness.caFile);
        await second.exited;
        expect(second.output).toMatch(/in use by another Intake process \(pid \d+\)/);
        expect(first.running).toBe(true);
      } finally {
        await first.stop();
      }
    });
    return;
  }

  it('IMAP, 1,000 messages: each becomes one request, none twice, every one marked read', { timeout: 240_000 }, async () => {
    const address = 'race@race.test';
    const mailbox = await seedBulkMailbox(harness, database.handle, {
      key: 'RACE',
      address,
      count: FIRST_WAVE,
      protocol: 'imap',
      afterProcessing: 'mark_read',
    });
    const later = Array.from({ length: LATER_WAVES * PER_LATER_WAVE }, (_, index) => `RACE later message ${index}`);
    mailbox.subjects.push(...later);
    const { db } = database.handle;
    // More pg-boss fetch loops per process than the default: more chances to collide.
    const start = () => database.startWorker(harness.caFile, { INTAKE_WORKERS: '2' });
    const started = Date.now();
    const running: WorkerProcess[] = [start(), start()];
    let holder: WorkerProcess | undefined;
    try {
      await waitUntil(
        'both workers run',
        async () => running.every((worker) => worker.running),
        60_000,
        () => running.map((worker) => worker.output).join('\n'),
      );
      // Mail arriving while a poll files what it stored: the IDLE wake-ups start polls that find
      // stored messages still pending, the very messages the running poll is filing.
      await waitUntil('a poll has stored messages it is still filing', async () => ((await database.progress(running[0]!))?.pending ?? 0) >= 100, 60_000);
      const delivering = (async () => {
        for (let wave = 0; wave < LATER_WAVES; wave++) {
          const subjects = later.slice(wave * PER_LATER_WAVE, (wave + 1) * PER_LATER_WAVE);
          await harness.deliverMany(
            address,
            subjects.map((subject, index) => buildEmail({ from: `Later ${wave}-${index} <later${wave}-${index}@race.test>`, to: address, subject })),
          );
          await sleep(400);
        }
      })();

      // Killed while it works: with a third filed and the rest still to do.
      holder = await waitUntil(
        'a worker holds the mailbox with a third filed and more to do',
        async () => {
          const progress = await database.progress(running[0]!);
          if (!progress || progress.requests < 330 || allHandled(progress, mailbox.subjects.length)) return null;
          const [row] = await db.select({ owner: mailboxes.leaseOwner }).from(mailboxes).where(eq(mailboxes.id, mailbox.mailboxId));
          return running.find((worker) => row?.owner?.includes(`-${worker.pid}-`));
        },
        90_000,
      );
      await holder.kill();
      expect(allHandled(await database.progress(holder), mailbox.subjects.length), 'work was left when the holder died').toBe(false);
      running.splice(running.indexOf(holder), 1, start());
      await delivering;

      await waitUntilAllHandled(
        database,
        running,
        harness,
        mailbox,
        (messages) => messages.length === mailbox.subjects.length && messages.every((message) => message.flags.includes('\\Seen')),
        150_000,
      );
      await sleep(6_000);
      // The survivors retire the killed worker once it has been silent a few beats.
      await waitUntil(
        'the killed worker is retired',
        async () => (await db.select({ stoppedAt: workers.stoppedAt }).from(workers).where(eq(workers.pid, holder!.pid)))[0]?.stoppedAt,
        30_000,
      );
      console.log(`Race run on postgres: ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      await Promise.all(running.map((worker) => worker.stop()));
    }

    await expectEachMessageFiledOnce(database.handle, mailbox);
    // Three processes took part; the killed one was retired, the others said goodbye.
    const registered = await db.select({ pid: workers.pid, stoppedAt: workers.stoppedAt }).from(workers);
    expect(registered.map((worker) => worker.pid).sort()).toEqual([holder!.pid, ...running.map((worker) => worker.pid)].sort());
    expect(registered.filter((worker) => worker.stoppedAt === null)).toEqual([]);
    const [after] = await db.select({ owner: mailboxes.leaseOwner }).from(mailboxes).where(eq(mailboxes.id, mailbox.mailboxId));
    // The killed holder's lease was taken over; the stopped workers gave theirs up.
    expect(after?.owner, `killed ${holder!.pid}, stopped ${running.map((worker) => worker.pid).join(' and ')}`).toBeNull();
  });
});
