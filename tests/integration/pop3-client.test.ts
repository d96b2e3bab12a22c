// Pop3Client against the harness's real Dovecot 2.3 (POP3S and STLS, passwords and XOAUTH2
// checked by token introspection), with certificates verified against the test CA.
//
// What "byte-exact" means here: RETR returns exactly what Dovecot serves. For a message stored
// with CRLF line endings that is the stored file, byte for byte (bare CR, NUL and 8-bit
// included). Dovecot serves a message stored with bare LF line endings with CRLF instead, and
// adds a final CRLF when the file lacks one; its LIST size counts the CRLFs but not the added
// final one (see the LF test below).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyMailError, type MailConnectionError } from '@/lib/mail/mail-error';
import type { MailServerSettings } from '@/lib/mail/mail-settings';
import { type Pop3ConnectOptions, Pop3Client } from '@/lib/mail/pop3/pop3-client';
import { testMailConnection } from '@/lib/mail/test-mail-connection';
import type { Harness, TestClient } from '../harness';
import { useHarness } from '../support/harness';

let harness: Harness;
let oauthClient: TestClient;

const users = {
  exact: 'pop3-exact@acme.test',
  lf: 'pop3-lf@acme.test',
  dele: 'pop3-dele@acme.test',
  revoked: 'pop3-revoked@acme.test',
  expired: 'pop3-expired@acme.test',
} as const;
const password = (email: string) => `${email.split('@')[0]}-secret`;

beforeAll(async () => {
  harness = await useHarness();
  await harness.addUsers(Object.values(users).map((email) => ({ email, password: password(email) })));
  oauthClient = await harness.createClient({ redirectUris: ['https://intake.test/cb'] });
});

const bytes = (text: string) => Buffer.from(text, 'latin1');

function settings(overrides: Partial<MailServerSettings> & Pick<MailServerSettings, 'username' | 'credential'>): MailServerSettings {
  return { protocol: 'pop3', host: harness.host, port: harness.pop3.tlsPort, security: 'tls', folder: 'INBOX', ...overrides };
}

const withPassword = (email: string) => ({ username: email, credential: { kind: 'password' as const, password: password(email) } });

async function withToken(email: string, client = oauthClient) {
  const tokens = await harness.authorize(client, email);
  return { username: email, credential: { kind: 'oauth' as const, accessToken: tokens.access_token } };
}

/** Connects expecting a failure; returns it classified, and how long it took. */
async function connectFailure(target: MailServerSettings, options?: Pop3ConnectOptions): Promise<{ error: MailConnectionError; ms: number }> {
  const started = performance.now();
  const error = await Pop3Client.connect(target, options).then(
    (client) => {
      client.close();
      throw new Error('the connection unexpectedly succeeded');
    },
    (failure: unknown) => classifyMailError(failure, { host: target.host, port: target.port, usesOAuth: target.credential.kind === 'oauth' }),
  );
  return { error, ms: performance.now() - started };
}

/**
 * Message `index` of the byte-exactness run: headers plus lines picked from the awkward cases,
 * every line ending in CRLF. Deterministic, so a failure names a message that can be rebuilt.
 */
const awkwardLines = [
  '.',
  '..',
  '...',
  '.leading dot',
  '. space after a dot',
  'From the middle',
  'caf\xe9 na\xefve (ISO-8859-1)',
  'invalid UTF-8: \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc',
  'NUL:\x00:byte',
  'bare\rCR',
  'x'.repeat(998),
  '',
];

function exactMessage(index: number): Buffer {
  const body = Array.from({ length: 1 + (index % 9) }, (_, line) => awkwardLines[(index + line * 5) % awkwardLines.length]);
  return bytes(
    `From: sender-${index}@example.test\r\nTo: ${users.exact}\r\nSubject: exact ${index}\r\nMessage-ID: <exact-${index}@example.test>\r\n\r\n${body.join('\r\n')}\r\n`,
  );
}

describe('Pop3Client against Dovecot', () => {
  it('logs in over POP3S and STLS, with XOAUTH2 (both instances) and with a password', async () => {
    const oauth = await withToken('help@acme.test');
    const targets = [
      settings({ ...oauth }),
      settings({ ...oauth, security: 'starttls', port: harness.pop3.stlsPort }),
      settings({ ...oauth, port: harness.xoauth2Only.pop3.tlsPort }),
      settings({ ...oauth, security: 'starttls', port: harness.xoauth2Only.pop3.stlsPort }),
      settings({ username: 'sales@other.test', credential: { kind: 'password', password: 'sales-secret' } }),
      settings({ username: 'sales@other.test', credential: { kind: 'password', password: 'sales-secret' }, security: 'starttls', port: harness.pop3.stlsPort }),
    ];
    for (const target of targets) {
      const client = await Pop3Client.connect(target);
      expect(await client.stat()).toMatchObject({ count: expect.any(Number) });
      await client.quit();
    }
  });

  it('serves the connection test end to end', async () => {
    const result = await testMailConnection(settings({ ...(await withToken('help@acme.test')), security: 'starttls', port: harness.pop3.stlsPort }));
    expect(result).toMatchObject({ ok: true, messageCount: expect.any(Number) });
  });

  it('uses the two-step XOAUTH2 form: forced with a short token, by itself with a long one', async () => {
    const client = await Pop3Client.connect(settings({ ...(await withToken('help@acme.test')), port: harness.xoauth2Only.pop3.tlsPort }), {
      xoauth2TwoStep: true,
    });
    await client.quit();
    // No valid token is this long, but Dovecot must read the response line and refuse the token itself.
    const { error } = await connectFailure(settings({ username: 'help@acme.test', credential: { kind: 'oauth', accessToken: `x${'y'.repeat(2000)}` } }));
    expect(error).toMatchObject({ kind: 'auth', serverMessage: expect.stringMatching(/^\[AUTH\] Authentication failed\. \(XOAUTH2 \{"status":"401"/) });
  });

  it('retrieves 5,000 messages byte for byte: dot lines, "." lines, bare CR, NUL, ISO-8859-1, invalid UTF-8', async () => {
    const messages = Array.from({ length: 5000 }, (_, index) => exactMessage(index));
    let started = performance.now();
    await harness.deliverMany(users.exact, messages);
    const stored = await harness.listMessages(users.exact);
    expect(stored.map((entry) => entry.raw)).toEqual(messages);
    console.info(`delivered 5,000 messages in ${Math.round(performance.now() - started)} ms`);

    started = performance.now();
    const client = await Pop3Client.connect(settings(withPassword(users.exact)));
    const sizes = await client.list();
    expect([...sizes.values()]).toEqual(messages.map((message) => message.length));
    let octets = 0;
    for (const [index, message] of messages.entries()) {
      const received = await client.retr(index + 1);
      octets += received.length;
      if (!received.equals(message)) expect({ index, received: received.toString('latin1') }).toEqual({ index, received: message.toString('latin1') });
    }
    await client.quit();
    console.info(`5,000 RETRs over POP3S: ${Math.round(performance.now() - started)} ms, ${octets} octets`);
  }, 120_000);

  it('serves LF-stored messages with CRLF line endings, adding a missing final line ending', async () => {
    const lf = [bytes('Subject: lf\n\n.dot\n.\nline\n..two\n'), bytes('Subject: no final newline\n\nlast line'), bytes('Subject: mixed\r\n\nbare\rCR\n')];
    await harness.deliverMany(users.lf, lf);
    const client = await Pop3Client.connect(settings(withPassword(users.lf)));
    const served = await Promise.all(lf.map((_, index) => client.retr(index + 1)));
    const sizes = await client.list();
    await client.quit();
    expect(served).toEqual([
      bytes('Subject: lf\r\n\r\n.dot\r\n.\r\nline\r\n..two\r\n'),
      bytes('Subject: no final newline\r\n\r\nlast line\r\n'),
      bytes('Subject: mixed\r\n\r\nbare\rCR\r\n'),
    ]);
    // LIST counts the CRLF conversion but not the CRLF added before the terminator.
    expect([...sizes.values()]).toEqual([served[0]?.length, (served[1]?.length ?? 0) - 2, served[2]?.length]);
    expect((await harness.listMessages(users.lf)).map((entry) => entry.raw)).toEqual(lf);
  });

  it('keeps UIDL stable across sessions; DELE counts only with QUIT', async () => {
    const messages = ['one', 'two', 'three'].map((name) => bytes(`Subject: ${name}\r\nMessage-ID: <${name}@example.test>\r\n\r\n${name}\r\n`));
    await harness.deliverMany(users.dele, messages);
    const first = await Pop3Client.connect(settings(withPassword(users.dele)));
    const uids = await first.uidl();
    expect(uids?.size).toBe(3);
    await first.dele(1);
    first.close();

    const second = await Pop3Client.connect(settings({ ...(await withToken(users.dele)), security: 'starttls', port: harness.pop3.stlsPort }));
    expect(await second.uidl()).toEqual(uids);
    expect(await second.stat()).toMatchObject({ count: 3 });
    await second.dele(1);
    await second.quit();
    expect((await harness.listMessages(users.dele)).map((entry) => entry.raw)).toEqual(messages.slice(1));

    const third = await Pop3Client.connect(settings(withPassword(users.dele)));
    expect([...((await third.uidl()) ?? new Map()).values()]).toEqual([uids?.get(2), uids?.get(3)]);
    expect(await third.retr(1)).toEqual(messages[1]);
    await third.quit();
  });

  it('reports a wrong password as an auth failure with the server reason, quickly', async () => {
    const { error, ms } = await connectFailure(settings({ username: 'support@acme.test', credential: { kind: 'password', password: 'not-the-password' } }));
    expect(error).toMatchObject({ kind: 'auth', serverMessage: '[AUTH] Authentication failed.' });
    expect(error.message).not.toContain('not-the-password');
    expect(ms).toBeLessThan(5000);
  });

  it('reports a revoked token as an auth failure that asks to re-authorize', async () => {
    const oauth = await withToken(users.revoked);
    (await Pop3Client.connect(settings(oauth))).close();
    expect(await harness.revokeGrants(users.revoked)).toBeGreaterThan(0);
    for (const port of [harness.pop3.tlsPort, harness.xoauth2Only.pop3.tlsPort]) {
      const { error, ms } = await connectFailure(settings({ ...oauth, port }));
      expect(error.kind).toBe('auth');
      expect(error.message).toMatch(/\[AUTH\] Authentication failed\. \(XOAUTH2 \{"status":"401".*Re-authorize the mailbox/);
      expect(error.message).not.toContain(oauth.credential.accessToken);
      expect(ms).toBeLessThan(5000);
    }
  });

  it('reports an expired token as an auth failure', async () => {
    const shortLived = await harness.createClient({ redirectUris: ['https://intake.test/cb'], accessTokenTtlSeconds: 2 });
    const oauth = await withToken(users.expired, shortLived);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const { error, ms } = await connectFailure(settings({ ...oauth, security: 'starttls', port: harness.pop3.stlsPort }));
    expect(error).toMatchObject({ kind: 'auth', message: expect.stringMatching(/Re-authorize/) });
    expect(ms).toBeLessThan(5000);
  });

  it('refuses a certificate for another name, over POP3S and after STLS', async () => {
    // 127.2 is 127.0.0.2 in the short IPv4 form: the same Dovecot, but a name its certificate does not list.
    for (const target of [
      settings({ ...withPassword(users.exact), host: '127.2' }),
      settings({ ...withPassword(users.exact), host: '127.2', security: 'starttls', port: harness.pop3.stlsPort }),
    ]) {
      const { error, ms } = await connectFailure(target);
      expect(error.kind).toBe('tls');
      expect(error.message).toMatch(/altnames|certificate/i);
      expect(ms).toBeLessThan(5000);
    }
  });

  it('refuses a self-signed certificate', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'intake-pop3-self-signed-'));
    try {
      const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
      await promisify(execFile)('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-noenc',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]);
      const server = createTlsServer({ key: await readFile(key), cert: await readFile(cert) }, (socket) => socket.end('+OK impostor\r\n'));
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as { port: number };
        const { error } = await connectFailure(settings({ ...withPassword(users.exact), host: '127.0.0.1', port }));
        expect(error.kind).toBe('tls');
        expect(error.message).toMatch(/self[- ]signed/i);
      } finally {
        server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a closed port as unreachable at once', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, harness.host, resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const { error, ms } = await connectFailure(settings({ ...withPassword(users.exact), port }));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('ECONNREFUSED');
    expect(ms).toBeLessThan(1000);
  });
});
