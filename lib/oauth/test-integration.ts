import { eq } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Database } from '@/db/client';
import { oauthIntegrations } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { getEnv } from '@/lib/env';
import { NotFoundError } from '@/lib/errors';
import { authorizationServerOf, clientOf, discoverEndpoints, requestOptions } from './authorization-server';
import { clientAuthenticationOf } from './client-authentication';
import { classifyOAuthError } from './oauth-failure';
import { redirectUrlFor } from './redirect-url';

export interface IntegrationTestStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface IntegrationTestResult {
  ok: boolean;
  summary: string;
  steps: IntegrationTestStep[];
}

/**
 * Checks an integration without a mailbox: the provider is reachable and it recognises the
 * client. A deliberately invalid authorization code is exchanged: `invalid_grant` means the
 * client authenticated; `invalid_client` means the client ID or secret is wrong.
 */
export async function testIntegration({
  db,
  actor,
  integrationId,
}: {
  db: Database;
  actor: Actor | null;
  integrationId: string;
}): Promise<IntegrationTestResult> {
  requireSystemAdmin(actor);
  const [integration] = await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
  if (!integration) throw new NotFoundError('The integration');
  const steps: IntegrationTestStep[] = [];

  if (integration.provider === 'custom' && integration.issuer) {
    try {
      await discoverEndpoints(integration.issuer);
      steps.push({ step: 'Discovery', ok: true, detail: `OpenID Connect discovery at ${integration.issuer} answered.` });
    } catch (error) {
      steps.push({ step: 'Discovery', ok: false, detail: `Discovery at ${integration.issuer} failed: ${(error as Error).message}` });
    }
  }

  let clientStep: IntegrationTestStep;
  try {
    const server = authorizationServerOf(integration);
    const response = await oauth.genericTokenEndpointRequest(
      server,
      clientOf(integration),
      clientAuthenticationOf(integration),
      'authorization_code',
      {
        code: 'intake-connection-test-invalid-code',
        redirect_uri: redirectUrlFor(getEnv().APP_URL, integration.id),
        code_verifier: oauth.generateRandomCodeVerifier(),
      },
      requestOptions(integration),
    );
    await oauth.processGenericTokenEndpointResponse(server, clientOf(integration), response);
    clientStep = { step: 'Client', ok: false, detail: 'The token endpoint accepted a made-up code; it is not a real OAuth 2.0 token endpoint.' };
  } catch (error) {
    const failure = classifyOAuthError(error);
    if (failure.providerError === 'invalid_grant') {
      clientStep = {
        step: 'Client',
        ok: true,
        detail: 'The token endpoint is reachable and recognised the client ID and secret (invalid_grant for a test code, as expected).',
      };
    } else if (failure.kind === 'misconfigured') {
      clientStep = {
        step: 'Client',
        ok: false,
        detail:
          failure.providerError === 'invalid_client'
            ? `The provider does not accept this client: the client ID is unknown or the client secret is wrong or expired (invalid_client). ${failure.message}`
            : failure.message,
      };
    } else {
      clientStep = { step: 'Client', ok: false, detail: failure.message };
    }
  }
  steps.push(clientStep);

  const ok = steps.every((step) => step.ok);
  const summary = ok ? 'Connection works: the provider is reachable and recognised the client.' : steps.find((step) => !step.ok)!.detail;
  await db.transaction(async (tx) => {
    await tx
      .update(oauthIntegrations)
      .set({ lastTestedAt: new Date(), lastTestOk: ok, lastTestMessage: summary })
      .where(eq(oauthIntegrations.id, integration.id));
    await recordAudit(tx, { actor, action: 'integration.test', targetType: 'oauth_integration', targetId: integration.id, details: { ok, summary } });
  });
  return { ok, summary, steps };
}
