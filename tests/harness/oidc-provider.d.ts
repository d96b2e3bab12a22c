// oidc-provider ships no types and @types/oidc-provider is not a project dependency:
// this declares only the parts the test harness uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface AdapterPayload {
    accountId?: string;
    clientId?: string;
    grantId?: string;
    uid?: string;
    consumed?: number;
    [key: string]: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    redirect_uris?: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
    [key: string]: unknown;
  }

  export interface Client {
    clientId: string;
    clientName?: string;
    redirectUriAllowed(value: string): boolean;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown> & { sub: string }>;
  }

  export interface Token {
    accountId?: string;
    clientId?: string;
    kind: string;
  }

  export interface OIDCContext {
    oidc: { client?: Client };
  }

  type TtlFunction = (ctx: OIDCContext, token: Token, client: Client) => number;

  export interface Configuration {
    adapter?: (model: string) => Adapter;
    clients?: ClientMetadata[];
    findAccount?: (ctx: OIDCContext, id: string) => Promise<Account | undefined>;
    claims?: Record<string, string[]>;
    scopes?: string[];
    conformIdTokenClaims?: boolean;
    cookies?: { keys: string[] };
    jwks?: { keys: object[] };
    pkce?: { required: () => boolean };
    routes?: Record<string, string>;
    clientBasedCORS?: () => boolean;
    features?: Record<string, Record<string, unknown>>;
    interactions?: { url: (ctx: OIDCContext, interaction: { uid: string }) => string };
    ttl?: Record<string, number | TtlFunction>;
    rotateRefreshToken?: (ctx: OIDCContext) => boolean;
    extraTokenClaims?: (ctx: OIDCContext, token: Token) => Promise<Record<string, unknown> | undefined>;
    renderError?: (ctx: { type: string; body: unknown }, out: Record<string, string>, error: Error) => void;
  }

  export interface PromptDetails {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string; details: PromptDetails };
    params: Record<string, unknown> & { client_id: string; scope?: string };
    session?: { accountId: string };
    grantId?: string;
  }

  export interface InteractionResult {
    login?: { accountId: string };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    readonly Grant: typeof Grant & { find(id: string): Promise<Grant | undefined> };
    readonly Client: { prototype: Client };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResult, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
