import type { DatabaseHandle } from '@/db/client';
import { waitUntil } from '../../support/bulk-ingestion';

interface Probe {
  requests: number;
  leased: number;
}

const probe = async (database: DatabaseHandle): Promise<Probe> =>
  (
    await database.query<Probe>(
      `select (select count(*) from requests)::int as "requests", (select count(*) from mailboxes where lease_owner is not null)::int as "leased"`,
    )
  )[0]!;

/**
 * Times ingestion from the moment the first poll holds a mailbox lease (so the dispatcher's tick
 * and a worker's start-up are not counted) until `expected` requests are committed. Read from
 * the database every 50 ms, so the figure is exact to about that.
 */
export async function timeIngestion(
  database: DatabaseHandle,
  expected: number,
  timeoutMs: number,
  start: () => Promise<void>,
  describe: () => string = () => '',
): Promise<{ seconds: number }> {
  const before = (await probe(database)).requests;
  await start();
  let started: number | null = null;
  let last: Probe | null = null;
  await waitUntil(
    `${expected} requests are committed`,
    async () => {
      last = await probe(database);
      started ??= last.leased > 0 || last.requests > before ? performance.now() : null;
      return last.requests - before >= expected;
    },
    timeoutMs,
    () => `Last: ${JSON.stringify(last)}. ${describe()}`,
  );
  return { seconds: (performance.now() - started!) / 1000 };
}
