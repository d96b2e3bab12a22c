import { DrizzleQueryError } from 'drizzle-orm';
import { toSingleLine, truncate } from '@/lib/email/unsafe-characters';

/**
 * SQLSTATE class 08 (connection exception), 57P01-57P03 (the server shutting down or starting
 * up, or the backend terminated, as by pg_terminate_backend or a failover), and postgres.js's own
 * codes for a connection that closed or never opened.
 */
const CONNECTION_LOST = /^(08[0-9A-Z]{3}|57P0[123]|CONNECTION_CLOSED|CONNECTION_DESTROYED|CONNECTION_ENDED|CONNECT_TIMEOUT)$/;

/** Node's codes for a server that cannot be reached or a connection cut: no program is wrong. */
const NETWORK_FAILURE = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)$/;

/**
 * The codes of `error` and of what it wraps (drizzle wraps driver errors), outermost first, each
 * with whether it is part of a statement's failure (drizzle's wrapper, or postgres.js's error
 * naming its query) rather than, say, a mail server's.
 */
function* codesOf(error: unknown): Generator<{ code: string; ofStatement: boolean }> {
  let current = error;
  let ofStatement = false;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    ofStatement ||= current instanceof DrizzleQueryError || 'query' in current;
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') yield { code, ofStatement };
    current = cause;
  }
}

/**
 * The code, when `error` says the connection to the database was lost or cannot be made rather
 * than that a statement was wrong; null otherwise. A network code counts only on a statement's
 * failure: the same codes come from the mail servers.
 */
export function databaseConnectionLost(error: unknown): string | null {
  for (const { code, ofStatement } of codesOf(error)) {
    if (CONNECTION_LOST.test(code) || (ofStatement && NETWORK_FAILURE.test(code))) return code;
  }
  return null;
}

/** The code, when `error` (or what it wraps) is a network failure, whichever server it was: null otherwise. */
export function networkFailure(error: unknown): string | null {
  for (const { code } of codesOf(error)) {
    if (NETWORK_FAILURE.test(code)) return code;
  }
  return null;
}

/**
 * A failure as a mailbox status, an email log entry or a log line may show it: one bounded
 * line, and never a failed statement's text or parameters. Drizzle puts both in its message,
 * and the parameters are the mail itself, megabytes of it.
 */
export function describeFailure(error: unknown): string {
  const lost = databaseConnectionLost(error);
  if (lost) return `Intake lost its connection to the database (${lost}); it will retry.`;
  if (error instanceof DrizzleQueryError) {
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    const reason = typeof cause?.message === 'string' ? cause.message : 'no reason given';
    return `The database refused a statement${code}: ${truncate(toSingleLine(reason), 200)}`;
  }
  return truncate(toSingleLine(error instanceof Error ? error.message : String(error)), 500);
}
