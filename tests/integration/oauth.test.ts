import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { oauthAuthorizations, oauthIntegrations } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { AuthorizationRejectedError, completeAuthorization, refreshAccessToken } from '@/lib/oauth/complete-authorization';
import { getIntegration } from '@/lib/oauth/get-integration';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import { saveIntegration } from '@/lib/oauth/save-integration';
import { startAuthorization } from '@/lib/oauth/start-authorization';
import { testIntegration } from '@/lib/oauth/test-integration';
import type { Harness } from '../harness';
import { seedAdmin, seedUser } from '../support/fixtures';
import { addFigures } from '../support/hardening-figures';
import { useHarness } from '../support/harness';
import { createHarnessIntegration, signInFor } from '../support/oauth-flow';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let testDb: TestDatabase;
let db: Database;
let admin: Actor;
let harness: Harness;

beforeAll(async () => {
  harness = await useHarness();
  testDb = await createTestDatabase();
  db = testDb.handle.db;
  admin = await seedAdmin(db);
});
afterAll(() => testDb.drop());

/** An attack on the callback: it must be refused; each one counts in the hardening figures. */
async function rejection(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  addFigures('attacks-oauth', { tried: 1, refused: error instanceof AuthorizationRejectedError ? 1 : 0 });
  expect(error).toBeInstanceOf(AuthorizationRejectedError);
  return (error as Error).message;
}

describe('integrations', () => {
  it('fills a custom integration from discovery and recognises its client in Test connection', async () => {
    const { integrationId } = await createHarnessIntegration(db, admin, harness, { domains: ['ACME.test.', 'bücher.example'] });
    const integration = await getIntegration({ db, actor: admin, integrationId });
    expect(integration).toMatchObject({
      issuer: harness.provider.issuer,
      authorizationEndpoint: harness.provider.authorizationEndpoint,
      tokenEndpoint: harness.provider.tokenEndpoint,
      mailboxDomains: ['acme.test', 'xn--bcher-kva.example'],
    });
    expect(integration).not.toHaveProperty('clientSecret');
    const result = await testIntegration({ db, actor: admin, integrationId });
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(/reachable and recognised the client/);
  });

  it('tells a wrong client secret apart as a misconfigured integration', async () => {
    const { integrationId, client } = await createHarnessIntegration(db, admin, harness);
    await saveIntegration({
      db,
      actor: admin,
      mode: 'update',
      integrationId,
      input: {
        provider: 'custom',
        name: 'Wrong secret',
        issuer: harness.provider.issuer,
        clientId: client.clientId,
        clientSecret: 'not-the-secret',
        scopes: 'openid email',
        mailboxDomains: 'acme.test',
      },
    });
    const result = await testIntegration({ db, actor: admin, integrationId });
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/client secret is wrong.*invalid_client/);
  });

  it('refuses discovery at an issuer that is not one', async () => {
    const error = await saveIntegration({
      db,
      actor: admin,
      mode: 'create',
      input: {
        provider: 'custom',
        name: 'Broken',
        issuer: 'https://127.0.0.1:9/',
        clientId: 'x',
        clientSecret: 'y',
        scopes: 'openid',
        mailboxDomains: 'acme.test',
      },
    }).catch((caught: unknown) => caught);
    expect((error as { fieldErrors: Record<string, string[]> }).fieldErrors.issuer?.[0]).toMatch(/discovery at this issuer failed/);
  });
});

describe('three-legged authorization', () => {
  const bindings = new Map<string, string>();
  const start = async (integrationId: string, actor: Actor = admin) => {
    const started = await startAuthorization({ db, actor, integrationId, returnTo: '/projects', loginHint: 'support@acme.test' });
    bindings.set(started.authorizationId, started.browserBinding);
    return started;
  };
  const complete = (integrationId: string, callbackParameters: URLSearchParams, actor: Actor = admin, browserBindingFor = (id: string) => bindings.get(id)) =>
    completeAuthorization({ db, actor, integrationId, callbackParameters, browserBindingFor });

  it('exchanges a code with PKCE and returns the verified mailbox identity', async () => {
    const { integrationId, redirectUri } = await createHarnessIntegration(db, admin, harness);
    const started = await start(integrationId);
    const url = new URL(started.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('nonce')).toBeTruthy();
    const parameters = await signInFor(harness, started, redirectUri, 'Support@acme.test');
    expect(parameters.get('iss')).toBe(harness.provider.issuer);
    const result = await complete(integrationId, parameters);
    expect(result.email).toBe('support@acme.test');
    expect(result.tokens.accessToken).toBeTruthy();
    expect(result.tokens.refreshToken).toBeTruthy();
    expect(result.tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now());

    // The same callback again is a replay.
    expect(await rejection(complete(integrationId, parameters))).toMatch(/unknown or was already used/);
  });

  it('refuses a missing, tampered or expired state, another user, another browser and another integration', async () => {
    const a = await createHarnessIntegration(db, admin, harness);
    const b = await createHarnessIntegration(db, admin, harness);

    const missing = new URLSearchParams({ code: 'x' });
    expect(await rejection(complete(a.integrationId, missing))).toMatch(/no state/);

    const tampered = await signInFor(harness, await start(a.integrationId), a.redirectUri, 'support@acme.test');
    tampered.set('state', `${tampered.get('state')}x`);
    expect(await rejection(complete(a.integrationId, tampered))).toMatch(/unknown or was already used/);

    const expiredStart = await start(a.integrationId);
    const expired = await signInFor(harness, expiredStart, a.redirectUri, 'support@acme.test');
    await db
      .update(oauthAuthorizations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(oauthAuthorizations.id, expiredStart.authorizationId));
    expect(await rejection(complete(a.integrationId, expired))).toMatch(/expired/);

    const someoneElse = await seedUser(db, admin, 'mallory@intake.test');
    const stolen = await signInFor(harness, await start(a.integrationId), a.redirectUri, 'support@acme.test');
    expect(await rejection(complete(a.integrationId, stolen, someoneElse))).toMatch(/another user/);

    const otherBrowser = await signInFor(harness, await start(a.integrationId), a.redirectUri, 'support@acme.test');
    expect(await rejection(complete(a.integrationId, otherBrowser, admin, () => 'forged-binding'))).toMatch(/another browser/);

    // Mix-up: a state issued for integration A arrives at B's callback.
    const mixedUp = await signInFor(harness, await start(a.integrationId), a.redirectUri, 'support@acme.test');
    expect(await rejection(complete(b.integrationId, mixedUp))).toMatch(/another integration/);
  });

  it('refuses a wrong iss and a PKCE verifier that does not match', async () => {
    const { integrationId, redirectUri } = await createHarnessIntegration(db, admin, harness);
    const wrongIss = await signInFor(harness, await start(integrationId), redirectUri, 'support@acme.test');
    wrongIss.set('iss', 'https://attacker.example');
    expect(await rejection(complete(integrationId, wrongIss))).toMatch(/iss/);

    const started = await start(integrationId);
    const parameters = await signInFor(harness, started, redirectUri, 'support@acme.test');
    await db
      .update(oauthAuthorizations)
      .set({ codeVerifier: getSecretBox().seal('a'.repeat(64), SECRET_PURPOSE.codeVerifier) })
      .where(eq(oauthAuthorizations.id, started.authorizationId));
    expect(await rejection(complete(integrationId, parameters))).toMatch(/invalid_grant/);
  });

  it('refuses a replayed authorization code and a code issued for another integration', async () => {
    const a = await createHarnessIntegration(db, admin, harness);
    const b = await createHarnessIntegration(db, admin, harness);
    const first = await signInFor(harness, await start(a.integrationId), a.redirectUri, 'support@acme.test');
    await complete(a.integrationId, first);
    // The same code again, under a fresh state of the same integration.
    const replay = await signInFor(harness, await start(a.integrationId), a.redirectUri, 'support@acme.test');
    replay.set('code', first.get('code')!);
    expect(await rejection(complete(a.integrationId, replay))).toMatch(/invalid_grant/);
    // A code B's client obtained, delivered to A's callback with A's state.
    const codeForB = await signInFor(harness, await start(b.integrationId), b.redirectUri, 'support@acme.test');
    const atA = await signInFor(harness, await start(a.integrationId), a.redirectUri, 'support@acme.test');
    atA.set('code', codeForB.get('code')!);
    expect(await rejection(complete(a.integrationId, atA))).toMatch(/invalid_grant/);
  });

  it('refreshes with a rotated refresh token, and classifies a revoked grant as needing re-authorization', async () => {
    const { integrationId, redirectUri } = await createHarnessIntegration(db, admin, harness);
    const parameters = await signInFor(harness, await start(integrationId), redirectUri, 'help@acme.test');
    const { tokens } = await complete(integrationId, parameters);
    const [integration] = await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
    const refreshed = await refreshAccessToken(integration!, tokens.refreshToken!);
    expect(refreshed.refreshToken).toBeTruthy();
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);

    await harness.revokeGrants('help@acme.test');
    const failure = await refreshAccessToken(integration!, refreshed.refreshToken!).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OAuthFailure);
    expect((failure as OAuthFailure).kind).toBe('needs_reauthorization');
    expect((failure as OAuthFailure).providerError).toBe('invalid_grant');
  });
});
