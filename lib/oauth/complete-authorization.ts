import { and, eq, isNull } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Database } from '@/db/client';
import { oauthAuthorizations, oauthIntegrations } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { getEnv } from '@/lib/env';
import { authorizationServerOf, clientOf, requestOptions } from './authorization-server';
import { clientAuthenticationOf } from './client-authentication';
import { microsoftIdentityOf } from './microsoft-identity';
import { normalizeEmailAddress } from './mailbox-domains';
import { classifyOAuthError } from './oauth-failure';
import { redirectUrlFor } from './redirect-url';
import { sha256 } from './start-authorization';

/** A callback Intake refuses; the message is safe to show to the person who started it. */
export class AuthorizationRejectedError extends Error {
  constructor(
    message: string,
    readonly returnTo: string | null = null,
    /** The claimed authorization, when the state was valid enough to find it. */
    readonly authorizationId: string | null = null,
  ) {
    super(message);
    this.name = 'AuthorizationRejectedError';
  }
}

export interface MailboxTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
}

export interface CompletedAuthorization {
  authorization: typeof oauthAuthorizations.$inferSelect;
  /** The mailbox identity as the provider asserts it (ID token or userinfo), normalised. */
  email: string;
  tokens: MailboxTokens;
}

function tokensOf(response: oauth.TokenEndpointResponse): MailboxTokens {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? null,
    expiresAt: typeof response.expires_in === 'number' ? new Date(Date.now() + response.expires_in * 1000) : null,
  };
}

/**
 * Finishes a three-legged authorization at `/oauth/callback/<integrationId>`. The state is
 * single-use and must belong to this integration, this user and this browser; the provider's
 * `iss` is checked when sent; the ID token's signature, issuer, audience, nonce and expiry are
 * validated. The identity comes only from the provider.
 */
export async function completeAuthorization({
  db,
  actor,
  integrationId,
  callbackParameters,
  browserBindingFor,
}: {
  db: Database;
  actor: Actor | null;
  integrationId: string;
  callbackParameters: URLSearchParams;
  browserBindingFor: (authorizationId: string) => string | undefined;
}): Promise<CompletedAuthorization> {
  const state = callbackParameters.get('state');
  if (!state)
    throw new AuthorizationRejectedError('The provider’s answer carries no state, so Intake cannot tell which authorization it belongs to. Start again.');

  // Claiming the state and marking it used is one statement: a replay finds it used.
  const [authorization] = await db
    .update(oauthAuthorizations)
    .set({ usedAt: new Date() })
    .where(and(eq(oauthAuthorizations.stateHash, sha256(state)), isNull(oauthAuthorizations.usedAt)))
    .returning();
  if (!authorization) throw new AuthorizationRejectedError('This authorization link is unknown or was already used. Start the authorization again.');
  const reject = (message: string) => new AuthorizationRejectedError(message, authorization.returnTo, authorization.id);

  if (authorization.integrationId !== integrationId) throw reject('The provider answered at another integration’s address. Nothing was saved; start again.');
  if (authorization.expiresAt.getTime() < Date.now()) throw reject('The authorization took longer than 10 minutes and expired. Start again.');
  if (!actor || actor.userId !== authorization.userId) throw reject('This authorization was started by another user. Sign in as that user, or start again.');
  const binding = browserBindingFor(authorization.id);
  if (!binding || sha256(binding) !== authorization.browserBindingHash) throw reject('This authorization was started in another browser. Start again here.');

  const [integration] = await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
  if (!integration) throw reject('The integration was deleted meanwhile.');
  const server = authorizationServerOf(integration);
  const client = clientOf(integration);
  const wantsIdToken = integration.scopes.includes('openid');

  // RFC 9207: `iss` is checked against the configured issuer; without one it cannot be checked.
  const parameters = new URLSearchParams(callbackParameters);
  if (!integration.issuer) parameters.delete('iss');
  let validated: URLSearchParams;
  try {
    validated = oauth.validateAuthResponse(server, client, parameters, state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw reject(
        error.error === 'access_denied'
          ? 'The authorization was declined at the provider. Nothing was saved.'
          : `The provider refused the authorization (${error.error}${error.error_description ? `: ${error.error_description}` : ''}). Nothing was saved.`,
      );
    }
    throw reject(`The provider’s answer failed validation (${(error as Error).message}). Nothing was saved.`);
  }

  try {
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      clientAuthenticationOf(integration),
      validated,
      redirectUrlFor(getEnv().APP_URL, integration.id),
      getSecretBox().open(authorization.codeVerifier, SECRET_PURPOSE.codeVerifier),
      requestOptions(integration),
    );
    const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
      expectedNonce: wantsIdToken ? authorization.nonce : oauth.expectNoNonce,
      requireIdToken: wantsIdToken,
    });
    const claims = oauth.getValidatedIdTokenClaims(result);
    if (claims && server.jwks_uri) await oauth.validateApplicationLevelSignature(server, response, requestOptions(integration));

    let email: unknown = claims?.email;
    let verified: unknown = claims?.email_verified;
    if (integration.provider === 'microsoft') {
      const identity = microsoftIdentityOf(claims, integration.allowedTenants);
      if (!identity.ok && identity.code === 'tenant_not_allowed') {
        throw reject(
          `The account signed in from Microsoft tenant ${identity.tenant}, which the integration “${integration.name}” does not allow. Nothing was saved.`,
        );
      }
      if (!identity.ok)
        throw reject(
          'Microsoft did not send the account’s sign-in name. Add the “profile” scope to the integration (and grant it in the app registration). Nothing was saved.',
        );
      email = identity.signInName;
      verified = true;
    } else if (typeof email !== 'string' && server.userinfo_endpoint) {
      const userinfo = await oauth.processUserInfoResponse(
        server,
        client,
        claims?.sub ?? oauth.skipSubjectCheck,
        await oauth.userInfoRequest(server, client, result.access_token, requestOptions(integration)),
      );
      email = userinfo.email;
      verified = userinfo.email_verified;
    }
    if (typeof email !== 'string')
      throw reject(
        'The provider did not say which mailbox signed in (no email in the ID token or userinfo). Add the “openid email” scopes to the integration.',
      );
    if (verified === false) throw reject(`The provider says the address ${email} is not verified. Nothing was saved.`);
    const normalized = normalizeEmailAddress(email);
    if (!normalized) throw reject(`The provider named “${email}”, which is not a plain email address. Nothing was saved.`);
    return { authorization, email: normalized, tokens: tokensOf(result) };
  } catch (error) {
    if (error instanceof AuthorizationRejectedError) throw error;
    const failure = classifyOAuthError(error);
    // Nothing is retried here: the person who signed in decides whether to try again.
    throw reject(`${failure.kind === 'retry_later' ? `${failure.problem}.` : failure.message} Nothing was saved.`);
  }
}

/** Exchanges a refresh token; a rotated refresh token comes back in `refreshToken`. */
export async function refreshAccessToken(integration: typeof oauthIntegrations.$inferSelect, refreshToken: string): Promise<MailboxTokens> {
  const server = authorizationServerOf(integration);
  const client = clientOf(integration);
  try {
    const response = await oauth.refreshTokenGrantRequest(server, client, clientAuthenticationOf(integration), refreshToken, requestOptions(integration));
    return tokensOf(await oauth.processRefreshTokenResponse(server, client, response));
  } catch (error) {
    throw classifyOAuthError(error);
  }
}
