import type { Database } from '@/db/client';
import { log } from '@/lib/log';
import { type AuthenticatedUser, authenticateUser } from './authenticate-user';
import { releaseSignInAttempt, reserveSignInAttempt } from './sign-in-throttle';
import { startUserSession } from './user-sessions';

export type SignInResult =
  | { ok: true; user: AuthenticatedUser; sessionId: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; minutes: number };

/**
 * Password sign-in, throttled per account and per client address: after repeated failures
 * further attempts are refused for a while, even with the right password, and before the
 * password is checked, so at most the limit of guesses is ever verified. Each refusal is one
 * log line naming the account and address, so an operator can watch for password guessing.
 */
export async function signInWithPassword(db: Database, credentials: { email?: unknown; password?: unknown }, address: string): Promise<SignInResult> {
  const keys = { email: typeof credentials.email === 'string' ? credentials.email : '', address };
  const minutes = await reserveSignInAttempt(db, keys);
  if (minutes > 0) {
    log.warn('sign-in refused', { ...keys, reason: 'throttled' });
    return { ok: false, reason: 'throttled', minutes };
  }
  const user = await authenticateUser(db, credentials);
  if (!user) {
    log.warn('sign-in refused', { ...keys, reason: 'wrong email or password' });
    return { ok: false, reason: 'invalid' };
  }
  await releaseSignInAttempt(db, keys);
  return { ok: true, user, sessionId: await startUserSession(db, user.id) };
}
