import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { getEnv } from '@/lib/env';
import { AUTHORIZATION_TTL_MS, browserBindingCookieName, type StartedAuthorization } from '@/lib/oauth/start-authorization';

/** Sends the browser to the provider, bound to this browser by an HttpOnly cookie. */
export async function goToProvider(authorization: StartedAuthorization): Promise<never> {
  (await cookies()).set(browserBindingCookieName(authorization.authorizationId), authorization.browserBinding, {
    httpOnly: true,
    sameSite: 'lax',
    secure: getEnv().APP_URL.startsWith('https://'),
    path: '/oauth/callback',
    maxAge: AUTHORIZATION_TTL_MS / 1000,
  });
  redirect(authorization.url);
}
