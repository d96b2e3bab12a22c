import { log } from '@/lib/log';
import { databaseConnectionLost, networkFailure } from './describe-failure';

/**
 * Whether a promise rejected with nobody listening may be let go: a lost database connection or
 * a server that cannot be reached. pg-boss completes and fails its jobs without awaiting the
 * statement, so a database restart under a running job rejects with 57P01 or ECONNREFUSED where
 * no caller can catch it, and Node's default ends the process.
 */
export function isOutage(reason: unknown): boolean {
  return databaseConnectionLost(reason) !== null || networkFailure(reason) !== null || pgConnectionEnded(reason);
}

/**
 * pg (pg-boss's driver) rejects a query whose connection the server or the network cut with an
 * error that has no code at all, only these words of its own.
 */
const PG_CONNECTION_ENDED = /^Connection terminated( unexpectedly| due to connection timeout)?$/;
const pgConnectionEnded = (reason: unknown) => reason instanceof Error && !('code' in reason && reason.code) && PG_CONNECTION_ENDED.test(reason.message);

let installed = false;

/**
 * Keeps the process running through outages that surface as unhandled rejections (logged, with
 * their code); any other unhandled rejection is a bug and still ends the process, as by default.
 */
export function surviveOutages(): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (!isOutage(reason)) throw reason;
    log.warn('runtime.outage_rejection', { code: databaseConnectionLost(reason) ?? networkFailure(reason) ?? 'CONNECTION_ENDED' });
  });
}
