import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { mailboxes, workers } from '@/db/schema';
import type { Harness } from '../harness';
import { expectEachMessageFiledOnce, seedBulkMailbox, waitUntil, waitUntilAllHandled } from '../support/bulk-ingestion';
import { addFigures } from '../support/hardening-figures';
import { useHarness } from '../support/harness';
import { WorkerDatabase } from '../support/worker-processes';

let harness: Harness;
beforeAll(async () => {
  harness = await useHarness();
});

const MESSAGES = 1500;
/** What the issue promises: a killed worker's mailbox is read again by another within this. */
const TAKEOVER_WITHIN_MS = 15_000;

describe('a worker killed with SIGKILL while it reads a mailbox', () => {
  // PGlite lets one process open the database: there is no other worker to take over, and the
  // next process to start clears every lease (crash.test.ts covers that).
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'has its mailbox read by another worker within 15 s, and drops off the workers list',
    { timeout: 300_000 },
    async () => {
      const database = await WorkerDatabase.create();
      try {
        const { db } = database.handle;
        const mailbox = await seedBulkMailbox(harness, database.handle, {
          key: 'WDK',
          address: 'worker-death@acme.test',
          count: MESSAGES,
          protocol: 'imap',
          afterProcessing: 'mark_read',
        });
        const doomed = database.startWorker(harness.caFile);
        const leaseOf = async () =>
          (await db.select({ owner: mailboxes.leaseOwner }).from(mailboxes).where(eq(mailboxes.id, mailbox.mailboxId)))[0]?.owner ?? null;
        const doomedId = await waitUntil(
          'the first worker holds the mailbox and has stored some of it',
          async () => {
            const [row] = await db.select({ id: workers.id }).from(workers).where(eq(workers.pid, doomed.pid));
            const owner = await leaseOf();
            const [stored] = await database.handle.query<{ count: number }>('select count(*)::int as count from inbound_messages');
            return row && owner?.startsWith(`${row.id}/`) && stored!.count > 0 && row.id;
          },
          90_000,
          () => doomed.output,
        );

        const survivor = database.startWorker(harness.caFile);
        await waitUntil(
          'the second worker is running',
          async () => survivor.running,
          60_000,
          () => survivor.output,
        );
        await doomed.kill();
        const killedAt = Date.now();
        const takenOver = await waitUntil(
          'another worker holds the mailbox',
          async () => {
            const owner = await leaseOf();
            return owner !== null && !owner.startsWith(`${doomedId}/`) && owner;
          },
          60_000,
          () => survivor.output,
        );
        const takeoverMs = Date.now() - killedAt;
        expect(takenOver).not.toContain(doomedId);
        expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_WITHIN_MS);

        await waitUntilAllHandled(
          database,
          [survivor],
          harness,
          mailbox,
          (messages) => messages.length === MESSAGES && messages.every((message) => message.flags.includes('\\Seen')),
          240_000,
        );
        await expectEachMessageFiledOnce(database.handle, mailbox);
        // Reached only with every message filed once: none lost, none twice.
        addFigures('faults', { delivered: MESSAGES, lost: 0, duplicated: 0 });

        // Gone from the list of workers (its history stays in the table and the log).
        await waitUntil(
          'the killed worker is retired',
          async () => {
            const [row] = await db.select({ stoppedAt: workers.stoppedAt }).from(workers).where(eq(workers.id, doomedId));
            return row?.stoppedAt !== null;
          },
          30_000,
        );
        const [live] = await db.select({ count: sql<number>`count(*)::int` }).from(workers).where(sql`${workers.stoppedAt} is null`);
        expect(live!.count).toBe(1);
        console.log(`Mailbox taken over ${takeoverMs} ms after the worker was killed`);
        await survivor.stop();
      } finally {
        await database.drop();
      }
    },
  );
});
