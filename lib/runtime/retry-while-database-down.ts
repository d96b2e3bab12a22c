import { setTimeout as sleep } from 'node:timers/promises';
import { databaseConnectionLost } from './describe-failure';

/**
 * Runs `work`, and again while it fails because the database connection is lost, for up to
 * `withinMs`: for a write that records what already happened elsewhere (an email the SMTP server
 * accepted, a lease to let go), which a restart of PostgreSQL must not turn into a failure
 * of that work. Any other error, or the connection still lost at the end, is thrown.
 */
export async function retryWhileDatabaseDown<T>(work: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let wait = 200; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      if (!databaseConnectionLost(error) || Date.now() + wait > deadline) throw error;
      await sleep(wait);
    }
  }
}
