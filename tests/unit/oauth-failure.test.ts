import { describe, expect, it } from 'vitest';
import { classifyOAuthError, OAuthFailure } from '@/lib/oauth/oauth-failure';

describe('OAuthFailure', () => {
  it('adds the advice its kind calls for to the problem', () => {
    const unreachable = classifyOAuthError(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    expect(unreachable).toMatchObject({ kind: 'retry_later', problem: 'The provider cannot be reached (ECONNREFUSED)' });
    expect(unreachable.message).toBe('The provider cannot be reached (ECONNREFUSED); Intake will retry.');
    expect(new OAuthFailure('needs_reauthorization', 'The mailbox has no refresh token').message).toBe(
      'The mailbox has no refresh token. Re-authorize the mailbox.',
    );
    expect(new OAuthFailure('misconfigured', 'The integration no longer exists').message).toBe('The integration no longer exists.');
  });
});
