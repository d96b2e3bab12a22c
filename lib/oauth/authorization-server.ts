import * as oauth from 'oauth4webapi';
import type { oauthIntegrations } from '@/db/schema';
import { isLoopbackHost } from '@/lib/net/address-range';

export type IntegrationRow = typeof oauthIntegrations.$inferSelect;

/** Every request to a provider gives up after this long. */
export const PROVIDER_TIMEOUT_MS = 15_000;

/** oauth4webapi's hook for multi-tenant issuers (Microsoft's `{tenantid}`), not in its typings. */
const expectedIssuer = (oauth as unknown as { _expectedIssuer: symbol })._expectedIssuer;

function isLoopbackUrl(value: string | null | undefined): boolean {
  if (!value) return false;
  return isLoopbackHost(new URL(value).hostname);
}

export interface ProviderEndpoints {
  issuer: string | null;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint: string | null;
  jwksUri: string | null;
  revocationEndpoint: string | null;
}

/** oauth4webapi's view of an integration's authorization server. */
export function authorizationServerOf(endpoints: ProviderEndpoints): oauth.AuthorizationServer {
  const issuer = endpoints.issuer ?? new URL(endpoints.tokenEndpoint).origin;
  const server: oauth.AuthorizationServer = {
    issuer,
    authorization_endpoint: endpoints.authorizationEndpoint,
    token_endpoint: endpoints.tokenEndpoint,
    userinfo_endpoint: endpoints.userinfoEndpoint ?? undefined,
    jwks_uri: endpoints.jwksUri ?? undefined,
    revocation_endpoint: endpoints.revocationEndpoint ?? undefined,
  };
  if (issuer.includes('{tenantid}')) {
    Object.assign(server, {
      [expectedIssuer]: (result: { claims: { tid?: unknown } }) =>
        typeof result.claims.tid === 'string' ? issuer.replace('{tenantid}', result.claims.tid) : issuer,
    });
  }
  return server;
}

export function clientOf(integration: Pick<IntegrationRow, 'clientId'>): oauth.Client {
  return { client_id: integration.clientId };
}

/** Options for every request: a timeout, and plain HTTP only towards a provider on this machine. */
export function requestOptions(endpoints: Partial<ProviderEndpoints>) {
  const loopback = [endpoints.tokenEndpoint, endpoints.issuer].some(isLoopbackUrl);
  return { signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS), ...(loopback ? { [oauth.allowInsecureRequests]: true } : {}) };
}

/** OpenID Connect discovery: the provider's own description of its endpoints. */
export async function discoverEndpoints(issuer: string): Promise<ProviderEndpoints> {
  const issuerUrl = new URL(issuer);
  const response = await oauth.discoveryRequest(issuerUrl, { algorithm: 'oidc', ...requestOptions({ issuer }) });
  const server = await oauth.processDiscoveryResponse(issuerUrl, response);
  if (!server.authorization_endpoint || !server.token_endpoint) {
    throw new Error('the discovery document lists no authorization or token endpoint');
  }
  return {
    issuer: server.issuer,
    authorizationEndpoint: server.authorization_endpoint,
    tokenEndpoint: server.token_endpoint,
    userinfoEndpoint: server.userinfo_endpoint ?? null,
    jwksUri: server.jwks_uri ?? null,
    revocationEndpoint: server.revocation_endpoint ?? null,
  };
}
