import type { Database } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { getEnv } from '@/lib/env';
import { saveIntegration } from '@/lib/oauth/save-integration';
import { redirectUrlFor } from '@/lib/oauth/redirect-url';
import type { StartedAuthorization } from '@/lib/oauth/start-authorization';
import type { Harness, TestClient } from '../harness';

/** A custom integration at the harness provider, registered there with its redirect URL. */
export async function createHarnessIntegration(
  db: Database,
  admin: Actor,
  harness: Harness,
  options: { domains?: string[]; name?: string; clientOptions?: Partial<Parameters<Harness['createClient']>[0]> } = {},
): Promise<{ integrationId: string; client: TestClient; redirectUri: string }> {
  const integrationId = crypto.randomUUID();
  const redirectUri = redirectUrlFor(getEnv().APP_URL, integrationId);
  const client = await harness.createClient({ redirectUris: [redirectUri], ...options.clientOptions });
  await saveIntegration({
    db,
    actor: admin,
    mode: 'create',
    integrationId,
    input: {
      provider: 'custom',
      name: options.name ?? `Harness ${integrationId.slice(0, 8)}`,
      issuer: harness.provider.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scopes: `openid email offline_access ${harness.provider.mailScope}`,
      mailboxDomains: (options.domains ?? ['acme.test']).join('\n'),
    },
  });
  return { integrationId, client, redirectUri };
}

/** Signs in at the provider from Intake's authorization URL; returns the callback's parameters. */
export async function signInFor(harness: Harness, started: StartedAuthorization, redirectUri: string, email: string): Promise<URLSearchParams> {
  const callback = await harness.signInAt(started.url, redirectUri, email);
  return callback.searchParams;
}
