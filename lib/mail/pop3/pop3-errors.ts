/**
 * POP3 failures in the shape classifyMailError (../mail-error.ts) reads: `code` for network,
 * TLS and timeout failures, `responseText` for the server's words, `authenticationFailed` for
 * refused credentials. Messages never quote the command that failed: it may be PASS or AUTH.
 */
export class Pop3Error extends Error {
  override name = 'Pop3Error';
  readonly code?: string;
  readonly responseText?: string;
  readonly authenticationFailed: boolean;

  constructor(message: string, details: { code?: string; responseText?: string; authenticationFailed?: boolean } = {}) {
    super(message);
    this.code = details.code;
    this.responseText = details.responseText;
    this.authenticationFailed = details.authenticationFailed ?? false;
  }
}

/** The server answered `-ERR`. */
export class Pop3ServerError extends Pop3Error {
  override name = 'Pop3ServerError';
}

/** RETR found a message larger than the caller allowed; the session stays usable (the rest was read and dropped). */
export class Pop3MessageTooLargeError extends Pop3Error {
  override name = 'Pop3MessageTooLargeError';

  constructor(
    readonly messageNumber: number,
    readonly maxBytes: number,
  ) {
    super(`POP3 message ${messageNumber} is larger than ${maxBytes} bytes.`);
  }
}

export function serverRefusal(text: string): Pop3ServerError {
  return new Pop3ServerError(`The POP3 server refused: ${text || 'no reason given'}`, { responseText: text });
}

/**
 * Response codes that say the login failed for another reason than the credentials (RFC 3206
 * SYS/TEMP and SYS/PERM, RFC 2449 IN-USE and LOGIN-DELAY): retry later, do not ask to re-authorize.
 */
const NOT_THE_CREDENTIALS = /^\[(?:SYS\/TEMP|SYS\/PERM|IN-USE|LOGIN-DELAY)\b/i;

/** A `-ERR` answer to the credentials (PASS, or AUTH with the response) as an authentication failure. */
export function asAuthenticationFailure(error: unknown, detail?: string): unknown {
  if (!(error instanceof Pop3ServerError) || NOT_THE_CREDENTIALS.test(error.responseText ?? '')) return error;
  const responseText = detail ? `${error.responseText} (${detail})` : error.responseText;
  return new Pop3ServerError(`The POP3 server refused the login: ${responseText}`, { responseText, authenticationFailed: true });
}

/** No "TLS" in these messages: classifyMailError would take a timeout for a certificate problem. */
export function timeoutError(what: string, ms: number): Pop3Error {
  return new Pop3Error(`${what} timed out after ${Math.round(ms / 1000)} s.`, { code: 'ETIMEOUT' });
}

export function connectionClosed(): Pop3Error {
  return new Pop3Error('The POP3 connection is closed.', { code: 'EConnectionClosed' });
}
