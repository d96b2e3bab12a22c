import { createHash, randomBytes } from 'node:crypto';

import { httpsRequest } from './http';
import { interactionPrefix } from './provider-interactions';
import { promptMarker } from './provider-pages';
import type { ProviderEndpoints, TestClient } from './provider';

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** Just enough of a cookie jar for one host: the provider's interaction and session cookies. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair = ''] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    return this.#cookies.size === 0 ? {} : { cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

/** RFC 6749 §2.3.1: id and secret are form-encoded before they go into Basic credentials. */
function clientAuthentication(client: TestClient): { headers: Record<string, string>; fields: Record<string, string> } {
  if (client.tokenEndpointAuthMethod === 'client_secret_post') {
    return { headers: {}, fields: { client_id: client.clientId, client_secret: client.clientSecret } };
  }
  const credentials = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
  return { headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` }, fields: {} };
}

export async function tokenRequest(endpoints: ProviderEndpoints, ca: string, client: TestClient, fields: Record<string, string>): Promise<TokenSet> {
  const auth = clientAuthentication(client);
  const response = await httpsRequest(endpoints.tokenEndpoint, ca, {
    method: 'POST',
    headers: { ...formHeaders, ...auth.headers },
    body: form({ ...fields, ...auth.fields }),
  });
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${response.body}`);
  return JSON.parse(response.body) as TokenSet;
}

export interface AuthorizationRequest {
  email: string;
  password: string;
  /** Default: openid email offline_access and the mail scope. */
  scope: string;
  /** Default: the client's first redirect URI. */
  redirectUri?: string;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/**
 * The real authorization-code + PKCE flow, as a browser would walk it: authorization
 * request, login form, consent form, redirect with the code, then the token request.
 */
export async function authorizeHeadless(endpoints: ProviderEndpoints, ca: string, client: TestClient, options: AuthorizationRequest): Promise<TokenSet> {
  const redirectUri = options.redirectUri ?? client.redirectUris[0];
  if (!redirectUri) throw new Error(`client ${client.clientId} has no redirect URI`);
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  const authorization = new URL(endpoints.authorizationEndpoint);
  authorization.search = form({
    client_id: client.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope,
    state,
    nonce: base64url(randomBytes(16)),
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    // Without it the provider drops offline_access and issues no refresh token.
    prompt: 'consent',
  });

  const callback = await signInAt(authorization.href, redirectUri, ca, options);
  const code = codeFrom(callback, state, endpoints.issuer);
  return tokenRequest(endpoints, ca, client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}

/**
 * Walks a provider's pages from an authorization URL (any client's, such as Intake's) as a
 * browser would — login form, consent form, redirects — and returns the URL the provider
 * finally redirects to under `redirectUri`, with its code, state and iss untouched.
 */
export async function signInAt(authorizationUrl: string, redirectUri: string, ca: string, credentials: { email: string; password: string }): Promise<URL> {
  const jar = new CookieJar();
  const submitted = new Set<string>();
  let url = authorizationUrl;
  let response = await httpsRequest(url, ca);
  for (let step = 0; step < 20; step += 1) {
    jar.store(response.cookies);
    if (response.location?.startsWith(redirectUri)) return new URL(response.location);
    if (response.location) {
      url = new URL(response.location, url).href;
      response = await httpsRequest(url, ca, { headers: jar.header() });
      continue;
    }
    const prompt = new URL(url).pathname.startsWith(interactionPrefix) && pagePrompt(response.body);
    if (!prompt || submitted.has(prompt)) {
      throw new Error(`authorization for ${credentials.email} stopped at ${url} (${response.status}): ${response.body.slice(0, 300)}`);
    }
    submitted.add(prompt);
    const [action, fields] = prompt === 'login' ? ['login', { email: credentials.email, password: credentials.password }] : ['confirm', {}];
    response = await httpsRequest(`${url}/${action}`, ca, {
      method: 'POST',
      headers: { ...formHeaders, ...jar.header() },
      body: form(fields),
    });
  }
  throw new Error(`authorization for ${credentials.email} redirected too often`);
}

function pagePrompt(html: string): 'login' | 'consent' | undefined {
  if (html.includes(promptMarker('login'))) return 'login';
  if (html.includes(promptMarker('consent'))) return 'consent';
  return undefined;
}

/** Checks the redirect the way a careful client must: state, RFC 9207 `iss`, then the code or error. */
function codeFrom(callback: URL, state: string, issuer: string): string {
  const params = callback.searchParams;
  if (params.get('state') !== state) throw new Error('authorization response has a wrong state');
  if (params.get('iss') !== issuer) throw new Error(`authorization response has iss ${params.get('iss')}, expected ${issuer}`);
  const error = params.get('error');
  if (error) throw new Error(`authorization refused: ${error} ${params.get('error_description') ?? ''}`.trim());
  const code = params.get('code');
  if (!code) throw new Error('authorization response has no code');
  return code;
}
