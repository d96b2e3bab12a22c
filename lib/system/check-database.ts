import type { DatabaseHandle } from '@/db/client';
import { databaseConnectionLost, networkFailure } from '@/lib/runtime/describe-failure';

/** Long enough for a busy server, short enough that a health probe or a page never hangs on one that is gone. */
export const DATABASE_CHECK_TIMEOUT_MS = 3_000;

export type DatabaseCheck = { reachable: true } | { reachable: false; code: string };

/**
 * Whether the database answers a trivial statement within `timeoutMs`. A server that is down
 * refuses at once; one behind a network that lost its packets never answers, and postgres.js
 * would wait its whole connect timeout, so the check gives up first (code TIMEOUT). Errors that
 * are not about reaching the database are thrown.
 */
export async function checkDatabase(handle: DatabaseHandle, timeoutMs = DATABASE_CHECK_TIMEOUT_MS): Promise<DatabaseCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const answer = await Promise.race([handle.query('select 1'), timedOut]);
    return answer === 'timeout' ? { reachable: false, code: 'TIMEOUT' } : { reachable: true };
  } catch (error) {
    // Only the database is spoken to here, so any network failure is the database's.
    const code = databaseConnectionLost(error) ?? networkFailure(error);
    if (code) return { reachable: false, code };
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
