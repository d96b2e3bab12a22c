// Proves the test harness: real OAuth flows against a real Dovecot that checks every
// token with the provider, over TLS verified against the test CA (NODE_EXTRA_CA_CERTS).
import { readFile } from 'node:fs/promises';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, rootCertificates, type TLSSocket } from 'node:tls';

import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { attachHarness, ensureTestCa, type RunningHarness, startHarness, type TestClient } from '../harness';

let harness: RunningHarness;
let client: TestClient;
let startupMs: number;

beforeAll(async () => {
  const caFile = await ensureTestCa();
  const trusted = await readFile(process.env.NODE_EXTRA_CA_CERTS ?? '/dev/null', 'utf8');
  // Either the CA itself or a bundle that contains it.
  expect(trusted, `run the tests with NODE_EXTRA_CA_CERTS=${caFile}`).toContain((await readFile(caFile, 'utf8')).trim());
  const started = performance.now();
  harness = await startHarness();
  startupMs = performance.now() - started;
  client = await harness.createClient({ redirectUris: ['https://intake.test/oauth/callback'] });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const xoauth2 = (user: string, token: string) => Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');

/** Login methods Dovecot logged after `offset` bytes of a log file: proof of which SASL mechanism a client used. */
async function loginMethods(logFile: string, offset: number, user: string): Promise<string[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const text = (await readFile(logFile)).subarray(offset).toString('utf8');
    const methods = [...text.matchAll(/Login: user=<([^>]+)>, method=(\S+?),/g)].filter((match) => match[1] === user).map((match) => match[2] ?? '');
    if (methods.length > 0 || Date.now() > deadline) return methods;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const logSize = async (logFile: string) => (await readFile(logFile)).length;

function imap(options: Partial<ImapFlowOptions> & Pick<ImapFlowOptions, 'port' | 'auth'>): ImapFlow {
  const connection = new ImapFlow({ host: harness.host, secure: true, logger: false, ...options });
  connection.on('error', () => undefined);
  return connection;
}

/** Logs in and out (a failed login throws); tells whether the connection was encrypted. */
async function imapLogin(options: Parameters<typeof imap>[0]): Promise<{ secure: boolean }> {
  const connection = imap(options);
  await connection.connect();
  const secure = connection.secureConnection;
  await connection.logout();
  return { secure };
}

async function imapLoginError(port: number, user: string, accessToken: string): Promise<{ code?: string; failed?: boolean }> {
  const connection = imap({ port, auth: { user, accessToken } });
  const error = await connection.connect().then(
    () => {
      throw new Error('login unexpectedly succeeded');
    },
    (failure: { serverResponseCode?: string; authenticationFailed?: boolean }) => failure,
  );
  return { code: error.serverResponseCode, failed: error.authenticationFailed };
}

/** A bare POP3 session: Intake's own POP3 client comes later, and this must not depend on it. */
class Pop3 {
  #buffer = '';
  #waiting: Array<(line: string) => void> = [];
  #lines: string[] = [];
  readonly #onData = (chunk: Buffer) => {
    this.#buffer += chunk.toString('latin1');
    for (let end = this.#buffer.indexOf('\r\n'); end >= 0; end = this.#buffer.indexOf('\r\n')) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const waiter = this.#waiting.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    }
  };

  private constructor(private socket: Socket) {
    socket.on('data', this.#onData);
  }

  static async implicitTls(port: number): Promise<Pop3> {
    const socket = connectTls({ host: harness.host, port });
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const session = new Pop3(socket);
    expect(await session.line()).toMatch(/^\+OK/);
    return session;
  }

  static async stls(port: number): Promise<Pop3> {
    const plain = connectTcp(port, harness.host);
    await new Promise((resolve, reject) => plain.once('connect', resolve).once('error', reject));
    const session = new Pop3(plain);
    expect(await session.line()).toMatch(/^\+OK/);
    expect(await session.send('STLS')).toMatch(/^\+OK/);
    plain.off('data', session.#onData);
    const secure = connectTls({ socket: plain, host: harness.host });
    await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    session.socket = secure;
    secure.on('data', session.#onData);
    return session;
  }

  get tls(): TLSSocket {
    return this.socket as TLSSocket;
  }

  line(): Promise<string> {
    const ready = this.#lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async send(command: string): Promise<string> {
    this.socket.write(`${command}\r\n`);
    return this.line();
  }

  /** AUTH XOAUTH2; on failure the server sends a `+` challenge with JSON details, answered with an empty line. */
  async xoauth2(user: string, token: string): Promise<string> {
    const answer = await this.send(`AUTH XOAUTH2 ${xoauth2(user, token)}`);
    return /^\+( |$)/.test(answer) ? this.send('') : answer;
  }

  async password(user: string, password: string): Promise<string> {
    const answer = await this.send(`USER ${user}`);
    return answer.startsWith('+OK') ? this.send(`PASS ${password}`) : answer;
  }

  async close(): Promise<void> {
    await this.send('QUIT');
    this.socket.destroy();
  }
}

describe('test harness', { timeout: 20_000 }, () => {
  it('is ready within 15 s', () => {
    console.info(`harness startup: ${Math.round(startupMs)} ms`);
    expect(startupMs).toBeLessThan(15_000);
  });

  it('issues tokens through the authorization-code + PKCE flow, with email in the ID token', async () => {
    const tokens = await harness.authorize(client, 'support@acme.test');
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.expires_in).toBeGreaterThan(0);
    const [, payload = ''] = (tokens.id_token ?? '').split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ email: 'support@acme.test', email_verified: true, iss: harness.provider.issuer });

    const discovery = await (await fetch(harness.provider.discoveryUrl)).json();
    expect(discovery).toMatchObject({
      issuer: harness.provider.issuer,
      token_endpoint: harness.provider.tokenEndpoint,
      introspection_endpoint: harness.provider.introspectionEndpoint,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    const userinfo = await fetch(harness.provider.userinfoEndpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await userinfo.json()).toMatchObject({ email: 'support@acme.test' });
  });

  it('refuses a wrong password at the login page', async () => {
    await expect(harness.authorize(client, 'support@acme.test', { password: 'wrong' })).rejects.toThrow(/\(401\)/);
  });

  it('has the client of `npm run harness` accept every Redirect URL under Intake’s callback path, and no other', async () => {
    const prefix = 'http://localhost:3000/oauth/callback/';
    const byHand = await harness.createClient({ redirectUris: [prefix], redirectUriPrefix: prefix });
    const tokens = await harness.authorize(byHand, 'support@acme.test', { redirectUri: `${prefix}5f0c2a9e-3c41-4d7a-9b1e-2a7c0e4b8d11` });
    expect(tokens.access_token).toBeTruthy();
    await expect(harness.authorize(byHand, 'support@acme.test', { redirectUri: 'http://localhost:3000/elsewhere' })).rejects.toThrow(/redirect_uri/);
    await expect(harness.authorize(client, 'support@acme.test', { redirectUri: 'https://intake.test/oauth/callback/x' })).rejects.toThrow(/redirect_uri/);
  });

  it('logs in over IMAPS with OAUTHBEARER, and with XOAUTH2 where OAUTHBEARER is not offered', async () => {
    const user = 'support@acme.test';
    const tokens = await harness.authorize(client, user);
    for (const [port, logFile, method] of [
      [harness.imap.tlsPort, harness.logFiles.main, 'OAUTHBEARER'],
      [harness.xoauth2Only.imap.tlsPort, harness.logFiles.xoauth2Only, 'XOAUTH2'],
    ] as const) {
      const offset = await logSize(logFile);
      await imapLogin({ port, auth: { user, accessToken: tokens.access_token } });
      expect(await loginMethods(logFile, offset, user)).toEqual([method]);
    }
  });

  it('logs in over POP3S with XOAUTH2', async () => {
    const tokens = await harness.authorize(client, 'help@acme.test');
    for (const port of [harness.pop3.tlsPort, harness.xoauth2Only.pop3.tlsPort]) {
      const pop3 = await Pop3.implicitTls(port);
      expect(await pop3.xoauth2('help@acme.test', tokens.access_token)).toMatch(/^\+OK/);
      expect(await pop3.send('STAT')).toMatch(/^\+OK 0 0/);
      await pop3.close();
    }
  });

  it('logs in with a password over IMAPS and POP3S', async () => {
    await imapLogin({ port: harness.imap.tlsPort, auth: { user: 'sales@other.test', pass: 'sales-secret' } });

    const pop3 = await Pop3.implicitTls(harness.pop3.tlsPort);
    expect(await pop3.password('sales@other.test', 'sales-secret')).toMatch(/^\+OK/);
    await pop3.close();
  });

  it('upgrades with STARTTLS and STLS, verifying the certificate against the test CA', async () => {
    expect(
      await imapLogin({
        port: harness.imap.starttlsPort,
        secure: false,
        doSTARTTLS: true,
        auth: { user: 'sales@other.test', pass: 'sales-secret' },
      }),
    ).toEqual({ secure: true });

    const pop3 = await Pop3.stls(harness.pop3.stlsPort);
    expect(pop3.tls.authorized).toBe(true);
    expect(await pop3.password('sales@other.test', 'sales-secret')).toMatch(/^\+OK/);
    await pop3.close();
  });

  it('is not trusted without the test CA: certificate checks are on', async () => {
    const socket = connectTls({ host: harness.host, port: harness.imap.tlsPort, ca: [...rootCertificates] });
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error.message).toMatch(/certificate/i);
  });

  it('refuses plaintext logins before STARTTLS', async () => {
    const connection = imap({
      port: harness.imap.starttlsPort,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'sales@other.test', pass: 'sales-secret' },
    });
    await expect(connection.connect()).rejects.toBeTruthy();
  });

  it('has Dovecot refuse a revoked token, and the provider its refresh token', async () => {
    const user = 'customer@example.test';
    const tokens = await harness.authorize(client, user);
    await imapLogin({ port: harness.imap.tlsPort, auth: { user, accessToken: tokens.access_token } });

    expect(await harness.revokeGrants(user, client.clientId)).toBe(1);
    expect(await imapLoginError(harness.imap.tlsPort, user, tokens.access_token)).toEqual({
      code: 'AUTHENTICATIONFAILED',
      failed: true,
    });
    const pop3 = await Pop3.implicitTls(harness.xoauth2Only.pop3.tlsPort);
    expect(await pop3.xoauth2(user, tokens.access_token)).toMatch(/^-ERR \[AUTH\]/);
    await pop3.close();
    await expect(harness.refresh(client, tokens.refresh_token ?? '')).rejects.toThrow(/invalid_grant/);
  });

  it('has Dovecot refuse an access token the client revoked at the revocation endpoint', async () => {
    const user = 'support@acme.test';
    const tokens = await harness.authorize(client, user);
    const revoked = await fetch(harness.provider.revocationEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(revoked.status).toBe(200);
    expect(await imapLoginError(harness.imap.tlsPort, user, tokens.access_token)).toMatchObject({
      code: 'AUTHENTICATIONFAILED',
    });
  });

  it('has Dovecot refuse an expired token; a refresh gives a working one and rotates the refresh token', async () => {
    const shortLived = await harness.createClient({
      redirectUris: ['https://intake.test/oauth/callback'],
      accessTokenTtlSeconds: 2,
    });
    const user = 'help@acme.test';
    const tokens = await harness.authorize(shortLived, user);
    expect(tokens.expires_in).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await imapLoginError(harness.xoauth2Only.imap.tlsPort, user, tokens.access_token)).toEqual({
      code: 'AUTHENTICATIONFAILED',
      failed: true,
    });

    const refreshed = await harness.refresh(shortLived, tokens.refresh_token ?? '');
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await imapLogin({ port: harness.imap.tlsPort, auth: { user, accessToken: refreshed.access_token } });
  });

  it('reports an identity-provider outage as temporary, and tokens survive it', async () => {
    const user = 'sales@other.test';
    const tokens = await harness.authorize(client, user);
    await harness.stopProvider();
    try {
      expect(await imapLoginError(harness.imap.tlsPort, user, tokens.access_token)).toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await harness.startProvider();
    }
    await imapLogin({ port: harness.imap.tlsPort, auth: { user, accessToken: tokens.access_token } });
  });

  it('simulates a mail-server outage and comes back on the same ports', async () => {
    await harness.stopDovecot();
    const refused = connectTcp(harness.imap.tlsPort, harness.host);
    await expect(new Promise((resolve, reject) => refused.once('connect', resolve).once('error', reject))).rejects.toThrow(/ECONNREFUSED/);
    await harness.startDovecot();
    await imapLogin({ port: harness.imap.tlsPort, auth: { user: 'sales@other.test', pass: 'sales-secret' } });
  });

  it('can be driven from another test process through its info', async () => {
    const attached = await attachHarness(JSON.parse(JSON.stringify(harness.info)));
    const remoteClient = await attached.createClient({ redirectUris: ['https://intake.test/oauth/callback'] });
    await attached.addUser('remote@other.test', 'remote-secret');
    const tokens = await attached.authorize(remoteClient, 'remote@other.test');
    await imapLogin({ port: harness.imap.tlsPort, auth: { user: 'remote@other.test', accessToken: tokens.access_token } });
    expect(await attached.revokeGrants('remote@other.test')).toBe(1);
    await expect(attached.refresh(remoteClient, tokens.refresh_token ?? '')).rejects.toThrow(/invalid_grant/);
  });

  it('grants and revokes Full Access in-process too (harness-delegation.test.ts covers delegation over HTTP)', async () => {
    const [member, shared] = ['support@acme.test', 'desk@acme.test'];
    await harness.addSharedMailbox(shared);
    await harness.grantMailboxAccess(member, shared, { fullAccess: true, sendAs: false });
    const tokens = await harness.authorize(client, member);
    await imapLogin({ port: harness.xoauth2Only.imap.tlsPort, auth: { user: shared, accessToken: tokens.access_token } });
    await harness.revokeMailboxAccess(member, shared);
    expect(await imapLoginError(harness.xoauth2Only.imap.tlsPort, shared, tokens.access_token)).toEqual({ code: 'AUTHENTICATIONFAILED', failed: true });
  });

  it('delivers byte-exact messages with flags and folders that IMAP sees', async () => {
    const user = 'bench-1@acme.test';
    await harness.addUser(user, 'bench-secret');
    const message = (subject: string) =>
      Buffer.from(`From: a@example.test\r\nTo: ${user}\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.test>\r\n\r\nBody ${subject}\r\n`);
    await harness.deliverMany(user, [message('one'), message('two')]);
    await harness.deliver(user, message('three'), { flags: ['\\Seen'] });
    await harness.createFolder(user, 'Archive/Réponses');
    await harness.deliver(user, message('four'), { folder: 'Archive/Réponses' });

    const stored = await harness.listMessages(user);
    expect(stored.map((entry) => entry.raw.toString())).toEqual([message('one'), message('two'), message('three')].map(String));
    expect(stored.map((entry) => entry.flags)).toEqual([[], [], ['\\Seen']]);

    const connection = imap({ port: harness.imap.tlsPort, auth: { user, pass: 'bench-secret' } });
    await connection.connect();
    try {
      const lock = await connection.getMailboxLock('INBOX');
      try {
        const fetched = [];
        for await (const entry of connection.fetch('1:*', { uid: true, source: true, flags: true })) fetched.push(entry);
        expect(fetched.map((entry) => entry.source?.toString())).toEqual(stored.map((entry) => entry.raw.toString()));
        expect(fetched.map((entry) => entry.flags?.has('\\Seen'))).toEqual([false, false, true]);
      } finally {
        lock.release();
      }
      expect(await connection.status('Archive/Réponses', { messages: true })).toMatchObject({ messages: 1 });
    } finally {
      await connection.logout();
    }
  });
});
