/** A signed-in HTTP client of the app: next-auth's credentials sign-in over fetch, with a cookie jar. */
export class WebSession {
  readonly #cookies = new Map<string, string>();

  private constructor(readonly baseUrl: string) {}

  static async signIn(baseUrl: string, email: string, password: string): Promise<WebSession> {
    const session = new WebSession(baseUrl);
    const { csrfToken } = (await (await session.get('/api/auth/csrf')).json()) as { csrfToken: string };
    const response = await session.request('/api/auth/callback/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseUrl}/` }).toString(),
    });
    await response.arrayBuffer();
    if (![...session.#cookies.keys()].some((name) => name.endsWith('session-token')))
      throw new Error(`Signing in as ${email} failed (HTTP ${response.status}).`);
    return session;
  }

  #remember(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(`${this.baseUrl}${path}`, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
    this.#remember(response);
    return response;
  }

  get(path: string): Promise<Response> {
    return this.request(path);
  }

  /** A page's whole response time in ms, from request to last byte; fails on anything but 200. */
  async timePage(path: string): Promise<number> {
    const started = performance.now();
    const response = await this.get(path);
    const body = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
    return elapsed;
  }
}
