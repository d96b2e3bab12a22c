// Proves the harness's SMTP submission server, the way Intake sends replies: nodemailer over
// implicit TLS and STARTTLS, certificates verified against the test CA, logins checked like Dovecot's.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { connect as connectTls, rootCertificates } from 'node:tls';

import nodemailer from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';

import { type Harness, startHarness, type TestClient } from '../harness';
import { useHarness } from '../support/harness';

// Mailboxes of this file's own, so the mail it sends does not land in other test files' inboxes.
const agent = 'smtp-agent@acme.test';
const customer = 'smtp-customer@example.test';
const colleague = 'smtp-colleague@acme.test';
const outsider = 'smtp-outsider@other.test';
const agentPassword = { user: agent, pass: 'smtp-agent-secret' };
const agentToCustomer = { from: agent, to: [customer] };

let harness: Harness;
let client: TestClient;
let ca: string;

beforeAll(async () => {
  harness = await useHarness();
  await harness.addUsers([
    { email: agent, password: agentPassword.pass },
    { email: customer, password: 'smtp-customer-secret' },
    { email: colleague, password: 'smtp-colleague-secret' },
    { email: outsider, password: 'smtp-outsider-secret' },
  ]);
  ca = await readFile(harness.caFile, 'utf8');
  client = await harness.createClient({ redirectUris: ['https://intake.test/oauth/callback'] });
});

type Auth = { user: string; pass: string } | { type: 'OAuth2'; user: string; accessToken: string };
/** `plaintext` ignores the STARTTLS offer, as a misconfigured client would. */
type Mode = 'tls' | 'starttls' | 'plaintext';

interface TransportOptions {
  auth?: Auth;
  method?: 'PLAIN' | 'LOGIN';
  /** Trust anchors; the test CA unless a test says otherwise. */
  trust?: string[];
}

/** As Intake configures nodemailer, with the CA given explicitly so nothing rests on NODE_EXTRA_CA_CERTS. */
function transport(mode: Mode, options: TransportOptions) {
  return nodemailer.createTransport({
    host: harness.host,
    port: mode === 'tls' ? harness.smtp.tlsPort : harness.smtp.starttlsPort,
    secure: mode === 'tls',
    requireTLS: mode === 'starttls',
    ignoreTLS: mode === 'plaintext',
    auth: options.auth,
    authMethod: options.method,
    tls: { ca: options.trust ?? [ca] },
  });
}

/** CRLF throughout, 8-bit text and a line starting with a dot: what SMTP could mangle. */
function reply(from: string, to: string[]): { id: string; raw: Buffer } {
  const id = `<${randomUUID()}@acme.test>`;
  const lines = [
    `From: Acme Support <${from}>`,
    `To: ${to.join(', ')}`,
    'Subject: Re: Printer on fire',
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße, the fire is out.',
    '.and this line starts with a dot',
    '',
  ];
  return { id, raw: Buffer.from(lines.join('\r\n')) };
}

async function send(mode: Mode, options: TransportOptions, envelope = agentToCustomer) {
  const message = reply(envelope.from, envelope.to);
  const connection = transport(mode, options);
  try {
    await connection.sendMail({ envelope, raw: message.raw });
  } finally {
    connection.close();
  }
  return message;
}

const bearer = (user: string, accessToken: string): Auth => ({ type: 'OAuth2', user, accessToken });
const tokenOf = async (user: string) => (await harness.authorize(client, user)).access_token;
const oauth = async (user: string) => bearer(user, await tokenOf(user));

const sentWithId = async (id: string) => (await harness.sentMessages()).filter((message) => message.raw.includes(`Message-ID: ${id}`));

const inboxWithId = async (email: string, id: string) => (await harness.listMessages(email)).filter((message) => message.raw.includes(`Message-ID: ${id}`));

function connected(port: number): Promise<Socket> {
  const socket = connect(port, harness.host);
  return new Promise((resolve, reject) => socket.once('connect', () => resolve(socket)).once('error', reject));
}

function connectedTls(port: number): Promise<Socket> {
  const socket = connectTls({ host: harness.host, port, ca });
  return new Promise((resolve, reject) => socket.once('secureConnect', () => resolve(socket)).once('error', reject));
}

/** Waits for the server's greeting; `closed` resolves to what it sends afterwards, once it hangs up. */
async function greetedSession(socket: Socket): Promise<{ closed: Promise<string> }> {
  const [greeting] = (await once(socket, 'data')) as [Buffer];
  expect(greeting.toString()).toMatch(/^220 /);
  let rest = '';
  socket.on('data', (chunk: Buffer) => {
    rest += chunk.toString('latin1');
  });
  return { closed: new Promise((resolve) => socket.once('close', () => resolve(rest))) };
}

describe('harness SMTP submission', { timeout: 30_000 }, () => {
  it('accepts XOAUTH2 over implicit TLS and delivers the message byte for byte', async () => {
    const { id, raw } = await send('tls', { auth: await oauth(agent) });

    const [sent, ...more] = await sentWithId(id);
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ from: agent, to: [customer], authUser: agent, authMethod: 'XOAUTH2' });
    expect(sent?.raw.equals(raw)).toBe(true);
    expect(sent?.at).toBeInstanceOf(Date);

    const delivered = await inboxWithId(customer, id);
    expect(delivered.map((message) => message.raw.toString())).toEqual([raw.toString()]);
  });

  it('accepts XOAUTH2 and PLAIN after STARTTLS, and LOGIN', async () => {
    const byToken = await send('starttls', { auth: await oauth(agent) });
    const byPlain = await send('starttls', { auth: agentPassword, method: 'PLAIN' });
    const byLogin = await send('tls', { auth: agentPassword, method: 'LOGIN' });

    const methods = [];
    for (const { id } of [byToken, byPlain, byLogin]) {
      methods.push((await sentWithId(id)).map((message) => message.authMethod));
      expect(await inboxWithId(customer, id)).toHaveLength(1);
    }
    expect(methods).toEqual([['XOAUTH2'], ['PLAIN'], ['LOGIN']]);
  });

  it('delivers to every test user among the recipients and logs the others', async () => {
    const stranger = 'someone@elsewhere.test';
    const to = [customer, 'SMTP-Colleague@acme.test', stranger];
    const { id } = await send('tls', { auth: agentPassword }, { from: agent, to });

    expect(await inboxWithId(customer, id)).toHaveLength(1);
    expect(await inboxWithId(colleague, id)).toHaveLength(1);
    const [logged] = await harness.sentMessages({ to: stranger, from: agent });
    expect(logged?.to).toEqual([customer, 'SMTP-Colleague@acme.test', stranger]);
    expect((await harness.sentMessages({ to: colleague })).some((message) => message.raw.includes(id))).toBe(true);
  });

  it('refuses a revoked token and a wrong password with 535', async () => {
    const user = outsider;
    const auth = await oauth(user);
    await send('tls', { auth }, { from: user, to: [customer] });
    expect(await harness.revokeGrants(user, client.clientId)).toBe(1);

    const envelope = { from: user, to: [customer] };
    await expect(send('tls', { auth }, envelope)).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    await expect(send('starttls', { auth }, envelope)).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    await expect(send('starttls', { auth: { user, pass: 'wrong' } }, envelope)).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
    });
  });

  it('refuses a token without the mail scope, or issued to another user', async () => {
    const narrow = await harness.authorize(client, agent, { scope: 'openid email' });
    await expect(send('tls', { auth: bearer(agent, narrow.access_token) })).rejects.toMatchObject({ responseCode: 535 });

    const someoneElses = await tokenOf(colleague);
    await expect(send('tls', { auth: bearer(agent, someoneElses) })).rejects.toMatchObject({ responseCode: 535 });
  });

  it('refuses a MAIL FROM other than the signed-in user, and mail without a login', async () => {
    await expect(send('tls', { auth: agentPassword }, { from: colleague, to: [customer] })).rejects.toMatchObject({
      code: 'EENVELOPE',
      responseCode: 553,
    });
    await expect(send('tls', {})).rejects.toMatchObject({ responseCode: 530 });
  });

  it('refuses a login before STARTTLS on the submission port', async () => {
    await expect(send('plaintext', { auth: agentPassword })).rejects.toMatchObject({ responseCode: 538 });
  });

  it('verifies against the test CA: without it the certificate is refused', async () => {
    for (const mode of ['tls', 'starttls'] as const) {
      await expect(send(mode, { auth: agentPassword, trust: [...rootCertificates] })).rejects.toThrow(/certificate/i);
    }
  });

  it('reports an identity-provider outage as a temporary failure (454)', async () => {
    const auth = await oauth(agent);
    await harness.stopProvider();
    try {
      await expect(send('tls', { auth })).rejects.toMatchObject({ responseCode: 454 });
    } finally {
      await harness.startProvider();
    }
    await send('tls', { auth });
  });

  it('simulates an outage, cutting open sessions, and comes back on the same ports; the log can be cleared', async () => {
    const session = await greetedSession(await connected(harness.smtp.starttlsPort));
    await harness.stopSmtp();
    try {
      expect(await session.closed).toMatch(/^421 /);
      await expect(connected(harness.smtp.starttlsPort)).rejects.toThrow(/ECONNREFUSED/);
      await expect(send('tls', { auth: agentPassword })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await harness.startSmtp();
    }
    await send('starttls', { auth: agentPassword });

    expect((await harness.sentMessages()).length).toBeGreaterThan(0);
    await harness.clearSentMessages();
    expect(await harness.sentMessages()).toEqual([]);
  });

  it('closes its listeners, and open sessions, when the harness stops', async () => {
    const own = await startHarness();
    const ports = [own.smtp.tlsPort, own.smtp.starttlsPort];
    const session = await greetedSession(await connectedTls(own.smtp.tlsPort));
    await own.stop();
    expect(await session.closed).toMatch(/^421 /);
    for (const port of ports) await expect(connected(port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
