import { generateKeyPair, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { promisify } from 'node:util';

import Provider, { type Client, type Configuration, type OIDCContext } from 'oidc-provider';

import type { Accounts } from './accounts';
import { listen, loopback } from './net';
import { interactionHandler, interactionPrefix } from './provider-interactions';
import { ProviderStore } from './provider-store';
import { recordSecret } from './secret-ledger';

/** The scope that opens a mailbox, in the style of Google's `https://mail.google.com/`. */
export const mailScope = 'https://mail.test/';
export const defaultScope = `openid email offline_access ${mailScope}`;

const routes = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  introspection: '/introspect',
  revocation: '/revoke',
  jwks: '/jwks',
};

export interface ProviderEndpoints {
  issuer: string;
  discoveryUrl: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  jwksUri: string;
}

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface ClientOptions {
  redirectUris: string[];
  /** Random when omitted. */
  clientId?: string;
  clientSecret?: string;
  /** Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Default 90 days, renewed with each rotation (like Microsoft's sliding window). */
  refreshTokenTtlSeconds?: number;
  /** Default true, like Microsoft: each refresh returns a new refresh token and reusing an old one revokes the grant. */
  rotateRefreshTokens?: boolean;
  /** Default client_secret_basic. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /**
   * Also accept every redirect URI that starts with this. Intake's redirect URL names its
   * integration, which a person trying Intake by hand creates after the harness has started.
   */
  redirectUriPrefix?: string;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
}

interface ClientPolicy {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  rotateRefreshTokens: boolean;
  redirectUriPrefix?: string;
}

const defaultPolicy: ClientPolicy = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 90 * 24 * 3600,
  rotateRefreshTokens: true,
};

const secret = () => randomBytes(24).toString('hex');

/**
 * OAuth 2.0 / OpenID Connect provider over HTTPS. Access tokens are opaque and carry the
 * account's email, so Dovecot can check each one by introspection; the same token also
 * works at userinfo, as a Google token does.
 */
export class TestProvider {
  readonly endpoints: ProviderEndpoints;
  readonly introspectionClient = { clientId: 'dovecot', clientSecret: secret() };
  readonly #store = new ProviderStore();
  readonly #policies = new Map<string, ClientPolicy>();
  readonly #port: number;

  private constructor(
    private readonly server: Server,
    accounts: Accounts,
    signingKey: KeyObject,
  ) {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('provider is not listening');
    this.#port = address.port;
    const issuer = `https://${loopback}:${this.#port}`;
    this.endpoints = {
      issuer,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      authorizationEndpoint: `${issuer}${routes.authorization}`,
      tokenEndpoint: `${issuer}${routes.token}`,
      userinfoEndpoint: `${issuer}${routes.userinfo}`,
      introspectionEndpoint: `${issuer}${routes.introspection}`,
      revocationEndpoint: `${issuer}${routes.revocation}`,
      jwksUri: `${issuer}${routes.jwks}`,
    };
    const provider = new Provider(issuer, this.configuration(accounts, signingKey));
    const exactRedirectUriAllowed = provider.Client.prototype.redirectUriAllowed;
    const policyOf = (clientId: string) => this.policy(clientId);
    provider.Client.prototype.redirectUriAllowed = function (this: Client, value: string) {
      const prefix = policyOf(this.clientId).redirectUriPrefix;
      return (prefix !== undefined && value.startsWith(prefix)) || exactRedirectUriAllowed.call(this, value);
    };
    const oidc = provider.callback();
    const interactions = interactionHandler(provider, accounts);
    server.on('request', (req, res) => {
      if (req.url?.startsWith(interactionPrefix)) void interactions(req, res);
      else oidc(req, res);
    });
  }

  /** Listens on a random loopback port, which it keeps across stop() and start(). */
  static async create(tls: { cert: Buffer; key: Buffer }, accounts: Accounts): Promise<TestProvider> {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const server = createServer(tls);
    await listen(server, loopback, 0);
    return new TestProvider(server, accounts, privateKey);
  }

  private policy(clientId: string | undefined): ClientPolicy {
    return this.#policies.get(clientId ?? '') ?? defaultPolicy;
  }

  private configuration(accounts: Accounts, signingKey: KeyObject): Configuration {
    return {
      adapter: (model) => this.#store.adapterFor(model),
      clients: [
        {
          client_id: this.introspectionClient.clientId,
          client_secret: this.introspectionClient.clientSecret,
          grant_types: [],
          response_types: [],
          redirect_uris: [],
        },
      ],
      findAccount: async (_ctx, id) => (accounts.has(id) ? { accountId: id, claims: async () => ({ sub: id, email: id, email_verified: true }) } : undefined),
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      scopes: defaultScope.split(' '),
      // ID tokens carry email even in the code flow, where the spec would leave it to userinfo.
      conformIdTokenClaims: false,
      cookies: { keys: [secret()] },
      jwks: { keys: [signingKey.export({ format: 'jwk' })] },
      pkce: { required: () => true },
      routes,
      features: {
        devInteractions: { enabled: false },
        introspection: {
          enabled: true,
          allowedPolicy: async (_ctx: OIDCContext, client: { clientId: string }) => client.clientId === this.introspectionClient.clientId,
        },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        // Tokens are audience-free so the one token is good for IMAP, POP3 and userinfo.
        resourceIndicators: { enabled: false },
      },
      interactions: { url: (_ctx, interaction) => `${interactionPrefix}${interaction.uid}` },
      clientBasedCORS: () => false,
      ttl: {
        AccessToken: (_ctx, _token, client) => this.policy(client.clientId).accessTokenTtlSeconds,
        RefreshToken: (_ctx, _token, client) => this.policy(client.clientId).refreshTokenTtlSeconds,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 3600,
        Session: 14 * 24 * 3600,
        Grant: 365 * 24 * 3600,
      },
      rotateRefreshToken: (ctx) => this.policy(ctx.oidc.client?.clientId).rotateRefreshTokens,
      // Dovecot's oauth2 passdb finds the mailbox owner in the introspection response's `email`.
      extraTokenClaims: async (_ctx, token) => (token.accountId ? { email: token.accountId } : undefined),
    };
  }

  async createClient(options: ClientOptions): Promise<TestClient> {
    const client: TestClient = {
      clientId: options.clientId ?? `client-${randomBytes(6).toString('hex')}`,
      clientSecret: options.clientSecret ?? secret(),
      redirectUris: options.redirectUris,
      tokenEndpointAuthMethod: options.tokenEndpointAuthMethod ?? 'client_secret_basic',
    };
    recordSecret(client.clientSecret);
    this.#policies.set(client.clientId, {
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? defaultPolicy.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? defaultPolicy.refreshTokenTtlSeconds,
      rotateRefreshTokens: options.rotateRefreshTokens ?? defaultPolicy.rotateRefreshTokens,
      redirectUriPrefix: options.redirectUriPrefix,
    });
    await this.#store.adapterFor('Client').upsert(client.clientId, {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    });
    return client;
  }

  /** Revokes what an account granted (to one client, or to all): its tokens stop working everywhere at once. */
  revokeGrants(email: string, clientId?: string): number {
    const grantIds = this.#store.grantIds(email.toLowerCase(), clientId);
    for (const grantId of grantIds) this.#store.revokeGrant(grantId);
    return grantIds.length;
  }

  async start(): Promise<void> {
    if (!this.server.listening) await listen(this.server, loopback, this.#port);
  }

  /** An outage: open connections are cut and new ones refused; tokens and grants survive. */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections();
    await closed;
  }
}
