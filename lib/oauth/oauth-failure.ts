import * as oauth from 'oauth4webapi';

/**
 * What a failed exchange with a provider means for Intake:
 * - `needs_reauthorization`: the grant is gone (revoked, expired, password changed); a person must sign in again;
 * - `retry_later`: the provider is unreachable or failing; try again with backoff;
 * - `misconfigured`: the integration itself is wrong (unknown client, bad or expired secret).
 */
export type OAuthFailureKind = 'needs_reauthorization' | 'retry_later' | 'misconfigured';

/** What a person reads after a failure that only signing in again can mend. */
export const REAUTHORIZE_ADVICE = 'Re-authorize the mailbox.';

/** The failure in words: what happened, then what comes of it, which follows from its kind alone. */
function describeOAuthFailure(kind: OAuthFailureKind, problem: string): string {
  if (kind === 'needs_reauthorization') return `${problem}. ${REAUTHORIZE_ADVICE}`;
  if (kind === 'retry_later') return `${problem}; Intake will retry.`;
  return `${problem}.`;
}

export class OAuthFailure extends Error {
  constructor(
    readonly kind: OAuthFailureKind,
    /** What went wrong, without the advice or the closing full stop: callers that act otherwise word it themselves. */
    readonly problem: string,
    /** The provider's own error code, such as `invalid_grant`. */
    readonly providerError?: string,
  ) {
    super(describeOAuthFailure(kind, problem));
    this.name = 'OAuthFailure';
  }
}

const GRANT_GONE = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'login_required', 'invalid_scope', 'access_denied']);
const CLIENT_WRONG = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_request', 'unsupported_response_type']);

function describe(code: string, description: unknown): string {
  return typeof description === 'string' && description ? `${code}: ${description}` : code;
}

export function classifyOAuthError(error: unknown): OAuthFailure {
  if (error instanceof OAuthFailure) return error;
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError) {
    const code = error.error;
    const detail = describe(code, error.error_description);
    if (GRANT_GONE.has(code)) return new OAuthFailure('needs_reauthorization', `The provider no longer accepts this mailbox’s authorization (${detail})`, code);
    if (CLIENT_WRONG.has(code))
      return new OAuthFailure('misconfigured', `The provider refused the integration’s client (${detail}). Check the client ID and client secret`, code);
    if (error instanceof oauth.ResponseBodyError && error.status >= 500) return new OAuthFailure('retry_later', `The provider is failing (${detail})`, code);
    return new OAuthFailure('retry_later', `The provider answered with an error (${detail})`, code);
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = error.cause[0];
    const code = challenge?.parameters.error ?? 'invalid_client';
    return new OAuthFailure(
      'misconfigured',
      `The provider refused the integration’s client credentials (${describe(code, challenge?.parameters.error_description)})`,
      code,
    );
  }
  const cause = (error as { cause?: { code?: string } })?.cause;
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new OAuthFailure('retry_later', 'The provider did not answer in time');
  }
  if (cause?.code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ETIMEDOUT)$/.test(cause.code)) {
    return new OAuthFailure('retry_later', `The provider cannot be reached (${cause.code})`);
  }
  if (cause?.code && /CERT|SSL|TLS|SELF_SIGNED/.test(cause.code)) {
    return new OAuthFailure('misconfigured', `The provider’s TLS certificate is not trusted (${cause.code})`);
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new OAuthFailure('retry_later', `The provider sent an unexpected answer (${error.message})`);
  }
  return new OAuthFailure('retry_later', `Talking to the provider failed (${(error as Error)?.message ?? String(error)})`);
}
