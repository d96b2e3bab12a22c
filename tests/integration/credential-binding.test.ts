import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, mailboxes } from '@/db/schema';
import { ValidationError } from '@/lib/errors';
import { MailConnectionError } from '@/lib/mail/mail-error';
import { Pop3Client } from '@/lib/mail/pop3/pop3-client';
import { resolveMailHost } from '@/lib/mail/resolve-mail-host';
import { testSmtpConnection } from '@/lib/mail/smtp/test-smtp-connection';
import { testMailConnection } from '@/lib/mail/test-mail-connection';
import { saveMailbox } from '@/lib/mailboxes/save-mailbox';
import { testMailboxSettings } from '@/lib/mailboxes/test-mailbox';
import { AddressAllowList } from '@/lib/net/address-range';
import { saveIntegration } from '@/lib/oauth/save-integration';
import { authorizationOf, finishAuthorization, harnessChannelInput } from '../support/channels';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';
import { type ScriptedImapServer, startScriptedImapServer } from '../support/scripted-imap-server';
import { createHarnessIntegration } from '../support/oauth-flow';

const context = setupIntegration();

/** Every credential the recorder was sent, decoded: AUTHENTICATE PLAIN carries base64. */
function decodedLogins(recorder: ScriptedImapServer): string {
  return recorder
    .received()
    .split('\r\n')
    .map((line) => line.split(' ').at(-1) ?? '')
    .map((word) => Buffer.from(word, 'base64').toString('latin1'))
    .join('\n')
    .concat('\n', recorder.received());
}

let recorder: ScriptedImapServer;
beforeAll(async () => {
  recorder = await startScriptedImapServer('127.0.0.1', 'NO [AUTHENTICATIONFAILED] recorded');
});
afterAll(() => recorder?.close());

const imapInput = (overrides: Record<string, unknown> = {}) =>
  harnessChannelInput(context.harness, { emailAddress: 'sales@other.test', authentication: 'password', ...overrides });

function fieldErrorsOf(error: unknown): Record<string, string[]> {
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fieldErrors;
}

describe('a stored credential goes only where it was given', () => {
  it('sends a stored password to no other server, port, security or SMTP server until it is typed again', async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'BIND');
    const scope = { kind: 'channel', projectId: project.id } as const;
    const saved = await saveMailbox({
      database: context.database,
      actor: context.admin,
      scope,
      input: imapInput({ password: 'sales-secret' }),
      returnTo: '/x',
    });
    expect(saved.outcome).toBe('saved');
    const mailboxId = (saved as { mailboxId: string }).mailboxId;
    const call = { database: context.database, actor: context.admin, scope, mailboxId, returnTo: '/x' };

    const changes: Array<Record<string, unknown>> = [
      { host: '127.0.0.1', port: recorder.port },
      { port: recorder.port },
      { port: context.harness.imap.starttlsPort, security: 'starttls' },
      { protocol: 'pop3', port: context.harness.pop3.tlsPort, afterProcessing: 'keep' },
      { username: 'someone-else@other.test' },
      { smtpHost: '127.0.0.1', smtpPort: String(recorder.port) },
      { smtpPort: String(recorder.port) },
    ];
    for (const change of changes) {
      const tested = await testMailboxSettings({ ...call, input: imapInput(change) }).catch((error: unknown) => error);
      expect(fieldErrorsOf(tested).password?.[0], JSON.stringify(change)).toMatch(/enter the password again/);
      const savedAgain = await saveMailbox({ ...call, input: imapInput(change) }).catch((error: unknown) => error);
      expect(fieldErrorsOf(savedAgain).password?.[0], JSON.stringify(change)).toMatch(/enter the password again/);
    }
    expect(recorder.connections).toBe(0);
    const [stored] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
    expect(stored).toMatchObject({ host: context.harness.host, port: context.harness.imap.tlsPort, smtpHost: null });

    // Unchanged settings still test with the stored password, and that use is audited.
    const unchanged = await testMailboxSettings({ ...call, input: imapInput() });
    expect(unchanged.ok).toBe(true);
    const audited = await context.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'mailbox.test'), eq(auditLog.targetId, mailboxId)));
    expect(audited.map((entry) => entry.details)).toContainEqual(expect.objectContaining({ storedCredential: true, host: context.harness.host, ok: true }));

    // Typed again, the new password goes to the new server (the recorder sees it) and the stored one never does.
    const typed = await testMailboxSettings({ ...call, input: imapInput({ host: '127.0.0.1', port: recorder.port, password: 'typed-for-the-recorder' }) });
    expect(typed.ok).toBe(false);
    expect(recorder.connections).toBeGreaterThan(0);
    expect(decodedLogins(recorder)).toContain('typed-for-the-recorder');
    expect(decodedLogins(recorder)).not.toContain('sales-secret');
  });

  it('sends an OAuth 2.0 token to no other server until the mailbox is authorized again', async () => {
    const before = recorder.connections;
    const { project, lead } = await seedProject(context.database.db, context.admin, 'BINDO');
    const scope = { kind: 'channel', projectId: project.id } as const;
    const { integrationId, redirectUri } = await createHarnessIntegration(context.database.db, context.admin, context.harness);
    const input = (overrides: Record<string, unknown> = {}) => imapInput({ emailAddress: 'support@acme.test', authentication: integrationId, ...overrides });
    const started = authorizationOf(await saveMailbox({ database: context.database, actor: lead, scope, input: input(), returnTo: '/x' }));
    expect((await finishAuthorization(context.harness, context.database, lead, started, { integrationId, redirectUri }, 'support@acme.test')).ok).toBe(true);
    const [channel] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.emailAddress, 'support@acme.test'));
    const call = { database: context.database, actor: lead, scope, mailboxId: channel!.id, returnTo: '/x' };

    for (const change of [
      { host: '127.0.0.1', port: recorder.port },
      { smtpHost: '127.0.0.1', smtpPort: String(recorder.port) },
    ]) {
      const tested = await testMailboxSettings({ ...call, input: input(change) }).catch((error: unknown) => error);
      expect(tested).toBeInstanceOf(MailConnectionError);
      expect((tested as Error).message).toMatch(/Save and authorize/);
      // Save starts a new authorization instead of connecting with the stored token.
      authorizationOf(await saveMailbox({ ...call, input: input(change) }));
    }
    expect(recorder.connections).toBe(before);
    const [after] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.id, channel!.id));
    expect(after).toMatchObject({ host: context.harness.host, smtpHost: null });
    expect((await testMailboxSettings({ ...call, input: input() })).ok).toBe(true);
  });

  it('lets a Google or Microsoft integration reach only its provider’s mail hosts, unless a system admin adds one', async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'GOOG');
    const scope = { kind: 'channel', projectId: project.id } as const;
    const integrationId = crypto.randomUUID();
    const integration = {
      provider: 'google',
      name: 'Google Workspace',
      clientId: 'google-client',
      clientSecret: 'google-secret',
      scopes: 'https://mail.google.com/ openid email',
      mailboxDomains: 'acme.test',
    };
    await saveIntegration({ db: context.database.db, actor: context.admin, mode: 'create', integrationId, input: integration });
    const input = imapInput({ emailAddress: 'google@acme.test', authentication: integrationId, smtpHost: 'smtp.gmail.com' });
    const refused = await saveMailbox({ database: context.database, actor: context.admin, scope, input, returnTo: '/x' }).catch((error: unknown) => error);
    expect(fieldErrorsOf(refused).host?.[0]).toMatch(/only to imap\.gmail\.com, pop\.gmail\.com, smtp\.gmail\.com.*Other mail hosts/);
    expect(fieldErrorsOf(refused).smtpHost).toBeUndefined();

    await saveIntegration({
      db: context.database.db,
      actor: context.admin,
      mode: 'update',
      integrationId,
      input: { ...integration, clientSecret: '', otherMailHosts: context.harness.host },
    });
    authorizationOf(await saveMailbox({ database: context.database, actor: context.admin, scope, input, returnTo: '/x' }));
  });
});

/** A plain TCP listener that counts connections. */
async function countingListener(host: string): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server: Server = createTcpServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('private and loopback mail hosts', () => {
  it('refuses a host of this machine that is not allowed, without opening a socket', async () => {
    // 127.0.0.3 is loopback but not in the test's MAIL_ALLOWED_PRIVATE_HOSTS.
    const listener = await countingListener('127.0.0.3');
    try {
      const settings = {
        protocol: 'imap' as const,
        host: '127.0.0.3',
        port: listener.port,
        security: 'tls' as const,
        username: 'x@acme.test',
        folder: 'INBOX',
        credential: { kind: 'password' as const, password: 'never-sent' },
      };
      const test = await testMailConnection(settings);
      expect(test.error?.kind).toBe('forbidden_host');
      expect(test.steps).toEqual([expect.objectContaining({ step: 'Resolve', ok: false, detail: expect.stringMatching(/MAIL_ALLOWED_PRIVATE_HOSTS/) })]);
      await expect(Pop3Client.connect({ ...settings, protocol: 'pop3' })).rejects.toMatchObject({ kind: 'forbidden_host' });
      const smtp = await testSmtpConnection(
        { host: '127.0.0.3', port: listener.port, security: 'tls' },
        { username: 'x@acme.test', credential: settings.credential },
      );
      expect(smtp).toMatchObject({ ok: false, detail: expect.stringMatching(/does not connect to 127\.0\.0\.3/) });
      expect(listener.connections()).toBe(0);
    } finally {
      await listener.close();
    }
  });

  it('refuses private, link-local, unique-local and loopback addresses and names, and connects to the address it checked', async () => {
    const none = new AddressAllowList([]);
    for (const host of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '[::1]',
      '::ffff:10.0.0.1',
      'fd00::1',
      'fe80::1',
      'localhost',
    ]) {
      await expect(resolveMailHost(host, none), host).rejects.toMatchObject({ kind: 'forbidden_host' });
    }
    expect(await resolveMailHost('localhost', new AddressAllowList(['localhost']))).toMatchObject({
      host: 'localhost',
      servername: 'localhost',
      address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
    });
    expect(await resolveMailHost('10.1.2.3', new AddressAllowList(['10.0.0.0/8']))).toEqual({ host: '10.1.2.3', address: '10.1.2.3', servername: undefined });
    expect(await resolveMailHost('8.8.8.8', none)).toMatchObject({ address: '8.8.8.8' });
  });
});
