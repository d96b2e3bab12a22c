// Proves the harness's Microsoft 365-style delegation and Gmail-style aliases against the real
// servers: Dovecot (both instances) decides Full Access at every login, SMTP submission decides
// Send As after DATA as Exchange does; all of it still holds after Dovecot restarts.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect as connectTls } from 'node:tls';

import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';

import { Pop3Client } from '@/lib/mail/pop3/pop3-client';
import type { Harness, TestClient } from '../harness';
import { useHarness } from '../support/harness';

// Addresses of this file's own, so its mail and grants touch no other test file's mailboxes.
const shared = 'deleg-desk@acme.test';
const member = 'deleg-member@acme.test';
const outsider = 'deleg-outsider@acme.test';
const owner = 'deleg-owner@acme.test';
const sendingAlias = 'deleg-sales@acme.test';
const receivingAlias = 'deleg-info@acme.test';
const customer = 'deleg-customer@example.test';
const password = (email: string) => `${email.split('@')[0]}-secret`;

let harness: Harness;
let client: TestClient;
let ca: string;
/** Message-ID of the one message in the shared mailbox. */
let sharedMessageId: string;

const newMessageId = () => `<${randomUUID()}@example.test>`;
const message = (id: string, from: string, to: string) =>
  Buffer.from(`From: ${from}\r\nTo: ${to}\r\nSubject: delegation\r\nMessage-ID: ${id}\r\n\r\nHello.\r\n`);

beforeAll(async () => {
  harness = await useHarness();
  await harness.addUsers([member, outsider, owner, customer].map((email) => ({ email, password: password(email) })));
  await harness.addSharedMailbox(shared);
  await harness.grantMailboxAccess(member, shared, { fullAccess: true, sendAs: true });
  await harness.addAlias(sendingAlias, owner, { sendAs: true });
  await harness.addAlias(receivingAlias, owner, { sendAs: false });
  ca = await readFile(harness.caFile, 'utf8');
  client = await harness.createClient({ redirectUris: ['https://intake.test/oauth/callback'] });
  sharedMessageId = newMessageId();
  await harness.deliver(shared, message(sharedMessageId, customer, shared));
});

const tokenOf = async (email: string) => (await harness.authorize(client, email)).access_token;

/** Message-IDs in the INBOX `user` opens with `accessToken` (imapflow prefers OAUTHBEARER, else XOAUTH2). */
async function imapInbox(port: number, user: string, accessToken: string): Promise<string[]> {
  const connection = new ImapFlow({ host: harness.host, port, secure: true, logger: false, auth: { user, accessToken } });
  connection.on('error', () => undefined);
  await connection.connect();
  try {
    const lock = await connection.getMailboxLock('INBOX');
    try {
      const ids: string[] = [];
      for await (const entry of connection.fetch('1:*', { envelope: true })) ids.push(entry.envelope?.messageId ?? '');
      return ids;
    } finally {
      lock.release();
    }
  } finally {
    await connection.logout();
  }
}

async function imapRefusal(port: number, user: string, auth: { accessToken: string } | { pass: string }): Promise<string | undefined> {
  const connection = new ImapFlow({ host: harness.host, port, secure: true, logger: false, auth: { user, ...auth } });
  connection.on('error', () => undefined);
  return connection.connect().then(
    () => {
      throw new Error(`${user} unexpectedly logged in`);
    },
    (failure: { serverResponseCode?: string }) => failure.serverResponseCode,
  );
}

/** One LOGIN over a bare IMAPS session, since imapflow does not send an empty password; returns the tagged answer. */
async function imapPasswordLogin(user: string, secret: string): Promise<string> {
  const socket = connectTls({ host: harness.host, port: harness.imap.tlsPort, ca });
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  await once(socket, 'secureConnect');
  socket.write(`a LOGIN "${user}" "${secret}"\r\n`);
  while (!/^a /m.test(received)) await once(socket, 'data');
  socket.destroy();
  return /^a .*$/m.exec(received)?.[0] ?? '';
}

function pop3(port: number, username: string, credential: { kind: 'oauth'; accessToken: string } | { kind: 'password'; password: string }) {
  return Pop3Client.connect({ protocol: 'pop3', host: harness.host, port, security: 'tls', folder: 'INBOX', username, credential });
}

async function pop3Count(port: number, user: string, accessToken: string): Promise<number> {
  const session = await pop3(port, user, { kind: 'oauth', accessToken });
  try {
    return (await session.stat()).count;
  } finally {
    await session.quit();
  }
}

const bothInstances = () => [
  { imap: harness.imap.tlsPort, pop3: harness.pop3.tlsPort },
  { imap: harness.xoauth2Only.imap.tlsPort, pop3: harness.xoauth2Only.pop3.tlsPort },
];

/** Full Access as it must be before and after a Dovecot restart. */
async function expectFullAccessEnforced(): Promise<void> {
  const [memberToken, outsiderToken] = await Promise.all([tokenOf(member), tokenOf(outsider)]);
  for (const ports of bothInstances()) {
    expect(await imapInbox(ports.imap, shared, memberToken)).toEqual([sharedMessageId]);
    expect(await pop3Count(ports.pop3, shared, memberToken)).toBe(1);
    expect(await imapRefusal(ports.imap, shared, { accessToken: outsiderToken })).toBe('AUTHENTICATIONFAILED');
    await expect(pop3Count(ports.pop3, shared, outsiderToken)).rejects.toMatchObject({ authenticationFailed: true });
    // Logins to one's own mailbox are as they were.
    await imapInbox(ports.imap, member, memberToken);
    expect(await pop3Count(ports.pop3, outsider, outsiderToken)).toBe(0);
  }
}

type Auth = { user: string; pass: string } | { type: 'OAuth2'; user: string; accessToken: string };

/** Sends over implicit TLS; returns the Message-ID. */
async function send(auth: Auth, envelope: { from: string; to: string[] }, id = newMessageId()): Promise<string> {
  const transport = nodemailer.createTransport({ host: harness.host, port: harness.smtp.tlsPort, secure: true, auth, tls: { ca: [ca] } });
  try {
    await transport.sendMail({ envelope, raw: message(id, envelope.from, envelope.to.join(', ')) });
  } finally {
    transport.close();
  }
  return id;
}

const bearer = async (user: string, tokenOwner = user): Promise<Auth> => ({ type: 'OAuth2', user, accessToken: await tokenOf(tokenOwner) });
const sentWithId = async (id: string) => (await harness.sentMessages()).filter((sent) => sent.raw.includes(`Message-ID: ${id}`));
const inboxWithId = async (email: string, id: string) => (await harness.listMessages(email)).filter((stored) => stored.raw.includes(`Message-ID: ${id}`));

describe('harness delegation and aliases', { timeout: 30_000 }, () => {
  it('opens a shared mailbox over IMAP and POP3, on both instances, with a Full Access member’s own token, and no one else’s', async () => {
    await expectFullAccessEnforced();
  });

  it('opens one’s own mailbox with one introspection, as without delegation', async () => {
    const offset = (await readFile(harness.logFiles.main)).length;
    await imapInbox(harness.imap.tlsPort, member, await tokenOf(member));
    // Dovecot's log process writes what the others send it a little later.
    const logged = () => readFile(harness.logFiles.main).then((log) => log.subarray(offset).toString('utf8'));
    await expect.poll(logged, { timeout: 3000 }).toContain(`Login: user=<${member}>`);
    // The member passdb, asked only after the owner's failed, would log that failure.
    expect(await logged()).not.toContain('oauth2 failed');
  });

  it('takes a grant and its revocation into account at the very next login; Send As alone opens nothing', async () => {
    const token = await tokenOf(outsider);
    await harness.grantMailboxAccess(outsider, shared, { fullAccess: true, sendAs: false });
    expect(await imapInbox(harness.imap.tlsPort, shared, token)).toEqual([sharedMessageId]);
    await harness.revokeMailboxAccess(outsider, shared);
    expect(await imapRefusal(harness.imap.tlsPort, shared, { accessToken: token })).toBe('AUTHENTICATIONFAILED');
    await harness.grantMailboxAccess(outsider, shared, { fullAccess: false, sendAs: true });
    await expect(pop3Count(harness.xoauth2Only.pop3.tlsPort, shared, token)).rejects.toMatchObject({ authenticationFailed: true });
    await harness.revokeMailboxAccess(outsider, shared);
  });

  it('has the shared mailbox’s account sign in nowhere: not at the provider, not by password', async () => {
    await expect(harness.authorize(client, shared, { password: password(shared) })).rejects.toThrow(/\(401\)/);
    for (const secret of ['', password(shared)]) expect(await imapPasswordLogin(shared, secret)).toMatch(/^a NO /);
    await expect(pop3(harness.pop3.tlsPort, shared, { kind: 'password', password: password(shared) })).rejects.toMatchObject({ authenticationFailed: true });
    await expect(send({ user: shared, pass: password(shared) }, { from: shared, to: [customer] })).rejects.toMatchObject({ responseCode: 535 });
  });

  it('sends as a shared mailbox with Send As; without it refuses after DATA as Exchange does, delivering and logging nothing', async () => {
    const sent = await send(await bearer(member), { from: shared, to: [customer] });
    expect(await sentWithId(sent)).toMatchObject([{ from: shared, authUser: member, authMethod: 'XOAUTH2' }]);
    expect(await inboxWithId(customer, sent)).toHaveLength(1);

    await harness.grantMailboxAccess(outsider, shared, { fullAccess: true, sendAs: false });
    try {
      for (const auth of [await bearer(outsider), { user: outsider, pass: password(outsider) }]) {
        const id = newMessageId();
        await expect(send(auth, { from: shared, to: [customer] }, id)).rejects.toMatchObject({
          code: 'EMESSAGE',
          responseCode: 554,
          response: `554 5.2.252 SendAsDenied; ${outsider} not allowed to send as ${shared}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied`,
        });
        expect(await sentWithId(id)).toEqual([]);
        expect(await inboxWithId(customer, id)).toEqual([]);
      }
    } finally {
      await harness.revokeMailboxAccess(outsider, shared);
    }
  });

  it('refuses XOAUTH2 as the shared mailbox with a member’s token at submission: 535 5.7.3', async () => {
    await expect(send(await bearer(shared, member), { from: shared, to: [customer] })).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
      response: '535 5.7.3 Authentication unsuccessful',
    });
  });

  it('delivers mail to an alias into its mailbox with X-Original-To and Delivered-To, through SMTP and deliver()', async () => {
    const raw = message(newMessageId(), customer, receivingAlias);
    await harness.deliver(receivingAlias, raw);
    const bySmtp = await send({ user: customer, pass: password(customer) }, { from: customer, to: [sendingAlias] });

    const headers = (alias: string) => `X-Original-To: ${alias}\r\nDelivered-To: ${owner}\r\n`;
    const stored = (await harness.listMessages(owner)).map((entry) => entry.raw.toString());
    expect(stored).toContain(`${headers(receivingAlias)}${raw}`);
    expect(stored.filter((text) => text.startsWith(headers(sendingAlias)) && text.includes(bySmtp))).toHaveLength(1);
  });

  it('sends from an alias only with its Send As, and has the alias sign in nowhere', async () => {
    const auth = await bearer(owner);
    expect(await sentWithId(await send(auth, { from: sendingAlias, to: [customer] }))).toMatchObject([{ from: sendingAlias, authUser: owner }]);
    await expect(send(auth, { from: receivingAlias, to: [customer] })).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 553 });

    const ownerToken = await tokenOf(owner);
    expect(await imapRefusal(harness.imap.tlsPort, sendingAlias, { accessToken: ownerToken })).toBe('AUTHENTICATIONFAILED');
    expect(await imapRefusal(harness.xoauth2Only.imap.tlsPort, sendingAlias, { pass: password(owner) })).toBe('AUTHENTICATIONFAILED');
    await expect(harness.authorize(client, sendingAlias, { password: password(owner) })).rejects.toThrow(/\(401\)/);
    await expect(send({ user: sendingAlias, pass: password(owner) }, { from: sendingAlias, to: [customer] })).rejects.toMatchObject({ responseCode: 535 });
  });

  it('keeps delegations and aliases across a Dovecot restart', async () => {
    await harness.stopDovecot();
    await harness.startDovecot();
    await expectFullAccessEnforced();
    expect(await imapRefusal(harness.imap.tlsPort, sendingAlias, { accessToken: await tokenOf(owner) })).toBe('AUTHENTICATIONFAILED');
    expect(await sentWithId(await send(await bearer(member), { from: shared, to: [customer] }))).toHaveLength(1);
    const id = await send({ user: customer, pass: password(customer) }, { from: customer, to: [receivingAlias] });
    expect((await inboxWithId(owner, id)).map((entry) => entry.raw.toString().startsWith('X-Original-To: '))).toEqual([true]);
  });
});
