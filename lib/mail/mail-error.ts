import { REAUTHORIZE_ADVICE } from '@/lib/oauth/oauth-failure';
import { recognizeProviderThrottle } from './provider-throttle';

/**
 * A mail-server failure in words an admin can act on. `kind` drives the mailbox status:
 * `auth` with OAuth means re-authorize; `forbidden_host` needs another host or an admin's
 * allowance; `throttled` pauses the mailbox for as long as the provider needs; the others are retried.
 */
export type MailErrorKind = 'unreachable' | 'tls' | 'auth' | 'folder' | 'protocol' | 'timeout' | 'unavailable' | 'forbidden_host' | 'throttled';

export class MailConnectionError extends Error {
  constructor(
    readonly kind: MailErrorKind,
    message: string,
    /** The server's own words, when it gave any. */
    readonly serverMessage?: string,
  ) {
    super(message);
    this.name = 'MailConnectionError';
  }
}

interface ErrorLike {
  code?: string;
  message?: string;
  responseText?: string;
  serverResponseCode?: string;
  authenticationFailed?: boolean;
  cause?: unknown;
}

const NETWORK = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ClosedAfterConnectTLS|ClosedAfterConnectText)$/;
/**
 * A connection that was up and went away (the server stopped or dropped it): host and port are
 * fine. Checked before TLS: a reset during the handshake reads "…before secure TLS connection
 * was established", which is no certificate problem.
 */
const DROPPED = /^(NoConnection|EConnectionClosed|ECONNRESET|EPIPE)$/;
const TIMEOUT = /TIMEOUT|ETIMEDOUT|Timeout/i;
/**
 * The server could not decide the login now (its password or token check was down, the mailbox
 * locked by another session): IMAP's UNAVAILABLE and IN-USE, POP3's SYS/TEMP and IN-USE
 * (RFC 5530, RFC 3206). Not a refusal: a retry may well succeed, and re-authorizing would not help.
 */
const TEMPORARY = /^(UNAVAILABLE|IN-USE|SYS\/TEMP)$/i;
const TEMPORARY_IN_TEXT = /\[(UNAVAILABLE|IN-USE|SYS\/TEMP)\]/i;
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/;

function firstErrorLike(error: unknown): ErrorLike {
  const candidate = (error ?? {}) as ErrorLike;
  if (!candidate.code && candidate.cause && typeof candidate.cause === 'object') {
    return { ...candidate, ...(candidate.cause as ErrorLike), message: candidate.message };
  }
  return candidate;
}

export function classifyMailError(error: unknown, context: { host: string; port: number; folder?: string; usesOAuth: boolean }): MailConnectionError {
  if (error instanceof MailConnectionError) return error;
  const detail = firstErrorLike(error);
  const code = detail.code ?? '';
  const serverText = detail.responseText?.trim() || undefined;
  const where = `${context.host}:${context.port}`;

  // Before the login checks: Gmail refuses a login over its bandwidth limit with a NO that reads like a refused credential.
  const throttle = recognizeProviderThrottle(error);
  if (throttle) return new MailConnectionError('throttled', `The mail server at ${where} is limiting this mailbox: “${throttle.words}”.`, throttle.words);
  if (TEMPORARY.test(detail.serverResponseCode ?? '') || TEMPORARY_IN_TEXT.test(serverText ?? '')) {
    const said = serverText ? ` (“${serverText}”)` : '';
    return new MailConnectionError('unavailable', `The mail server at ${where} cannot log in to the mailbox just now${said}. Intake will retry.`, serverText);
  }
  if (
    detail.authenticationFailed ||
    code === 'AUTHENTICATIONFAILED' ||
    /AUTHENTICATIONFAILED|authentication failed|invalid credentials|\[AUTH\]/i.test(serverText ?? '')
  ) {
    const reason = serverText ? ` The server said: “${serverText}”.` : '';
    return new MailConnectionError(
      'auth',
      context.usesOAuth
        ? `The mail server refused the OAuth 2.0 login.${reason} ${REAUTHORIZE_ADVICE}`
        : `The mail server refused the username or password.${reason}`,
      serverText,
    );
  }
  if (
    detail.serverResponseCode === 'NONEXISTENT' ||
    /doesn't exist|does not exist|no such mailbox|mailbox not found/i.test(serverText ?? detail.message ?? '')
  ) {
    return new MailConnectionError('folder', `The folder “${context.folder ?? 'INBOX'}” does not exist on the mail server.`, serverText);
  }
  if (DROPPED.test(code)) {
    return new MailConnectionError('unreachable', `The connection to the mail server at ${where} was lost (${code}).`);
  }
  if (CERTIFICATE.test(code) || /certificate|self[- ]signed|tls|ssl/i.test(detail.message ?? '')) {
    return new MailConnectionError(
      'tls',
      `The TLS connection to ${where} failed: ${detail.message ?? code}. Intake verifies certificates and never connects without a trusted one.`,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new MailConnectionError('unreachable', `The host name ${context.host} cannot be resolved (${code}).`);
  }
  if (TIMEOUT.test(code) || TIMEOUT.test(detail.message ?? '')) {
    return new MailConnectionError('timeout', `The mail server at ${where} did not answer in time.`);
  }
  if (NETWORK.test(code)) {
    return new MailConnectionError('unreachable', `The mail server at ${where} cannot be reached (${code}). Check the host and port.`);
  }
  return new MailConnectionError(
    'protocol',
    `The mail server at ${where} answered unexpectedly: ${serverText ?? detail.message ?? String(error)}.`,
    serverText,
  );
}

/** Runs `work`, failing with a timeout error (and calling `onTimeout`, e.g. to close the socket) if it takes too long. */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(Object.assign(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`), { code: 'ETIMEOUT' }));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
