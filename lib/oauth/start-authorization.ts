import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Database } from '@/db/client';
import { oauthAuthorizations, oauthIntegrations } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { getEnv } from '@/lib/env';
import { NotFoundError, PermissionDeniedError, ValidationError } from '@/lib/errors';
import { appUrlAllowsOAuth, redirectUrlFor } from './redirect-url';
import { PROVIDER_PRESETS } from './providers';

export const AUTHORIZATION_TTL_MS = 10 * 60 * 1000;

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The name of the HttpOnly cookie that binds one authorization to the browser that started it. */
export function browserBindingCookieName(authorizationId: string): string {
  return `intake-oauth-${authorizationId}`;
}

export interface StartedAuthorization {
  authorizationId: string;
  /** Where to send the browser. */
  url: string;
  /** Value for the browser-binding cookie, valid for `AUTHORIZATION_TTL_MS`. */
  browserBinding: string;
}

/**
 * Begins a three-legged authorization at an integration's provider, with PKCE (S256), a
 * one-time state and a nonce. The caller has already checked that the actor may authorize
 * this mailbox or server; `draft` holds the settings that are saved only on success.
 */
export async function startAuthorization({
  db,
  actor,
  integrationId,
  target = 'mailbox',
  mailboxId = null,
  draft = null,
  loginHint,
  returnTo,
}: {
  db: Database;
  actor: Actor | null;
  integrationId: string;
  /** What the grant is for; the callback stores it there. */
  target?: (typeof oauthAuthorizations.$inferInsert)['target'];
  mailboxId?: string | null;
  draft?: Record<string, unknown> | null;
  loginHint?: string;
  returnTo: string;
}): Promise<StartedAuthorization> {
  if (!actor) throw new PermissionDeniedError();
  const env = getEnv();
  if (!appUrlAllowsOAuth(env.APP_URL)) {
    throw new ValidationError({}, `OAuth authorization needs Intake on HTTPS: APP_URL is ${env.APP_URL}. Plain http works only on localhost.`);
  }
  const [integration] = await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
  if (!integration) throw new NotFoundError('The integration');

  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const browserBinding = randomBytes(32).toString('base64url');
  const [authorization] = await db
    .insert(oauthAuthorizations)
    .values({
      stateHash: sha256(state),
      browserBindingHash: sha256(browserBinding),
      integrationId,
      target,
      userId: actor.userId,
      codeVerifier: getSecretBox().seal(codeVerifier, SECRET_PURPOSE.codeVerifier),
      nonce,
      mailboxId,
      draft,
      returnTo,
      expiresAt: new Date(Date.now() + AUTHORIZATION_TTL_MS),
    })
    .returning({ id: oauthAuthorizations.id });

  const url = new URL(integration.authorizationEndpoint);
  const parameters: Record<string, string> = {
    ...PROVIDER_PRESETS[integration.provider].authorizationParameters,
    client_id: integration.clientId,
    redirect_uri: redirectUrlFor(env.APP_URL, integration.id),
    response_type: 'code',
    scope: integration.scopes.join(' '),
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...(integration.scopes.includes('openid') ? { nonce } : {}),
    ...(loginHint ? { login_hint: loginHint } : PROVIDER_PRESETS[integration.provider].accountChoiceParameters),
  };
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return { authorizationId: authorization!.id, url: url.toString(), browserBinding };
}
