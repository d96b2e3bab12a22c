import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { mailboxes } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { testMailConnection } from '@/lib/mail/test-mail-connection';
import { getMailboxAccessToken } from '@/lib/mailboxes/mailbox-access-token';
import { reauthorizeMailbox } from '@/lib/mailboxes/reauthorize-mailbox';
import { saveMailbox } from '@/lib/mailboxes/save-mailbox';
import { testMailbox } from '@/lib/mailboxes/test-mailbox';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import type { StartedAuthorization } from '@/lib/oauth/start-authorization';

import { authorizationOf, finishAuthorization, harnessChannelInput } from '../support/channels';
import { seedProject } from '../support/fixtures';
import { createHarnessIntegration } from '../support/oauth-flow';
import { setupIntegration } from '../support/integration-context';

const context = setupIntegration();

const channelInput = (overrides: Record<string, unknown> = {}) => harnessChannelInput(context.harness, overrides);

/** The context.admin signs in at the provider as `email` and the callback runs. */
function finishAt(started: StartedAuthorization, integrationId: string, redirectUri: string, email: string, actor: Actor = context.admin) {
  return finishAuthorization(context.harness, context.database, actor, started, { integrationId, redirectUri }, email);
}

describe('email channel with OAuth 2.0', () => {
  it('saves nothing until the provider confirms the mailbox, then enables the channel', async () => {
    const { project, lead } = await seedProject(context.database.db, context.admin, 'SD');
    const { integrationId, redirectUri } = await createHarnessIntegration(context.database.db, context.admin, context.harness);
    const scope = { kind: 'channel', projectId: project.id } as const;

    const wrongDomain = await saveMailbox({
      database: context.database,
      actor: lead,
      scope,
      input: channelInput({ emailAddress: 'sales@other.test', authentication: integrationId }),
      returnTo: '/x',
    }).catch((error: unknown) => error);
    expect((wrongDomain as { fieldErrors: Record<string, string[]> }).fieldErrors.authentication?.[0]).toMatch(/only mailboxes at acme.test/);

    const started = authorizationOf(
      await saveMailbox({
        database: context.database,
        actor: lead,
        scope,
        input: channelInput({ authentication: integrationId }),
        returnTo: '/projects/SD/settings/email',
      }),
    );
    expect(await context.database.db.select().from(mailboxes)).toHaveLength(0);

    // Someone signs in with an account whose domain is not allowed: refused, nothing stored.
    const foreign = await finishAt(started, integrationId, redirectUri, 'sales@other.test', lead);
    expect(foreign.ok).toBe(false);
    expect(foreign.message).toMatch(/You signed in as sales@other\.test.*only mailboxes at acme\.test/);
    expect(await context.database.db.select().from(mailboxes)).toHaveLength(0);

    // An allowed domain but another mailbox: refused too.
    const again = authorizationOf(
      await saveMailbox({ database: context.database, actor: lead, scope, input: channelInput({ authentication: integrationId }), returnTo: '/x' }),
    );
    const otherMailbox = await finishAt(again, integrationId, redirectUri, 'help@acme.test', lead);
    expect(otherMailbox.message).toMatch(/You signed in as help@acme\.test, but this mailbox is support@acme\.test/);
    expect(await context.database.db.select().from(mailboxes)).toHaveLength(0);

    // The right account, but the server refuses what the channel asks of it (a folder it lacks): nothing stored.
    const missingFolder = authorizationOf(
      await saveMailbox({
        database: context.database,
        actor: lead,
        scope,
        input: channelInput({ authentication: integrationId, folder: 'No such folder' }),
        returnTo: '/x',
      }),
    );
    const refused = await finishAt(missingFolder, integrationId, redirectUri, 'support@acme.test', lead);
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/^You signed in as support@acme\.test, but the connection test failed at .*Nothing was saved/);
    expect(await context.database.db.select().from(mailboxes)).toHaveLength(0);

    const third = authorizationOf(
      await saveMailbox({ database: context.database, actor: lead, scope, input: channelInput({ authentication: integrationId }), returnTo: '/x' }),
    );
    const success = await finishAt(third, integrationId, redirectUri, 'support@acme.test', lead);
    expect(success).toMatchObject({ ok: true, message: 'Your email channel is enabled — customers can now create requests by emailing support@acme.test' });
    const [channel] = await context.database.db.select().from(mailboxes);
    expect(channel).toMatchObject({ kind: 'channel', status: 'active', authorizedEmail: 'support@acme.test', authMethod: 'oauth' });
    expect(channel!.refreshToken).toMatch(/^v1\./);
  });

  it('turns Needs re-authorization when the grant is revoked, and Authorize restores it with its settings', async () => {
    const { project, lead } = await seedProject(context.database.db, context.admin, 'HELP');
    const { integrationId, redirectUri } = await createHarnessIntegration(context.database.db, context.admin, context.harness);
    const input = channelInput({
      emailAddress: 'help@acme.test',
      authentication: integrationId,
      folder: 'INBOX',
      afterProcessing: 'move',
      moveToFolder: 'Done',
    });
    await context.harness.createFolder('help@acme.test', 'Done').catch(() => {});
    const started = authorizationOf(
      await saveMailbox({ database: context.database, actor: lead, scope: { kind: 'channel', projectId: project.id }, input, returnTo: '/x' }),
    );
    expect((await finishAt(started, integrationId, redirectUri, 'help@acme.test', lead)).ok).toBe(true);
    const [before] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.emailAddress, 'help@acme.test'));

    await context.harness.revokeGrants('help@acme.test');
    const refused = await getMailboxAccessToken({ database: context.database, mailboxId: before!.id, forceRefresh: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OAuthFailure);
    const [broken] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.id, before!.id));
    expect(broken!.status).toBe('needs_reauthorization');

    const again = await reauthorizeMailbox({ db: context.database.db, actor: lead, mailboxId: before!.id, returnTo: '/x' });
    expect((await finishAt(again, integrationId, redirectUri, 'help@acme.test', lead)).ok).toBe(true);
    const [after] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.id, before!.id));
    expect(after).toMatchObject({
      status: 'active',
      folder: 'INBOX',
      afterProcessing: 'move',
      moveToFolder: 'Done',
      host: before!.host,
      port: before!.port,
      createdAt: before!.createdAt,
    });
    expect(after!.tokenVersion).toBeGreaterThan(before!.tokenVersion);
    expect((await testMailbox({ database: context.database, actor: lead, mailboxId: before!.id })).ok).toBe(true);
  });

  it('serialises concurrent refreshes so a rotating provider never sees a refresh token twice', async () => {
    const { project, lead } = await seedProject(context.database.db, context.admin, 'ROT');
    const { integrationId, redirectUri } = await createHarnessIntegration(context.database.db, context.admin, context.harness, { domains: ['example.test'] });
    const started = authorizationOf(
      await saveMailbox({
        database: context.database,
        actor: lead,
        scope: { kind: 'channel', projectId: project.id },
        input: channelInput({ emailAddress: 'customer@example.test', authentication: integrationId }),
        returnTo: '/x',
      }),
    );
    expect((await finishAt(started, integrationId, redirectUri, 'customer@example.test', lead)).ok).toBe(true);
    const [channel] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.emailAddress, 'customer@example.test'));
    // With reuse detection, two refreshes with the same token would revoke the whole grant.
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => getMailboxAccessToken({ database: context.database, mailboxId: channel!.id, forceRefresh: true })),
    );
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(1);
    const [after] = await context.database.db.select().from(mailboxes).where(eq(mailboxes.id, channel!.id));
    expect(after!.status).toBe('active');
    expect((await testMailbox({ database: context.database, actor: lead, mailboxId: channel!.id })).ok).toBe(true);
  });
});

/** A TLS server with a self-signed certificate nobody trusts. */
async function untrustedTlsServer(): Promise<{ port: number; close(): void }> {
  const folder = mkdtempSync(path.join(tmpdir(), 'intake-untrusted-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-noenc',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(folder, 'key.pem'),
      '-out',
      path.join(folder, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const server = createTlsServer({ key: readFileSync(path.join(folder, 'key.pem')), cert: readFileSync(path.join(folder, 'cert.pem')) }, (socket) =>
    socket.end('* OK IMAP4rev1 ready\r\n'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

describe('password mailboxes and connection errors', () => {
  it('saves a password mailbox only after its connection test passes', async () => {
    const { project } = await seedProject(context.database.db, context.admin, 'PW');
    const scope = { kind: 'channel', projectId: project.id } as const;
    const wrong = await saveMailbox({
      database: context.database,
      actor: context.admin,
      scope,
      input: channelInput({
        emailAddress: 'sales@other.test',
        authentication: 'password',
        password: 'wrong',
        protocol: 'pop3',
        port: context.harness.pop3.tlsPort,
        afterProcessing: 'delete',
      }),
      returnTo: '/x',
    });
    expect(wrong.outcome).toBe('test_failed');
    expect(JSON.stringify(wrong)).toMatch(/refused the username or password/);
    expect(await context.database.db.select().from(mailboxes).where(eq(mailboxes.emailAddress, 'sales@other.test'))).toHaveLength(0);

    const right = await saveMailbox({
      database: context.database,
      actor: context.admin,
      scope,
      input: channelInput({
        emailAddress: 'sales@other.test',
        authentication: 'password',
        password: 'sales-secret',
        protocol: 'pop3',
        port: context.harness.pop3.stlsPort,
        security: 'starttls',
        afterProcessing: 'keep',
      }),
      returnTo: '/x',
    });
    expect(right.outcome).toBe('saved');
    const duplicate = await saveMailbox({
      database: context.database,
      actor: context.admin,
      scope: { kind: 'server' },
      input: {
        ...channelInput({ emailAddress: 'SALES@other.test', authentication: 'password', password: 'sales-secret' }),
        name: 'Sales',
        projectId: project.id,
        createRequests: true,
        addComments: true,
      },
      returnTo: '/x',
    }).catch((error: unknown) => error);
    expect((duplicate as { fieldErrors: Record<string, string[]> }).fieldErrors.emailAddress?.[0]).toMatch(/already read by the email channel/);
  });

  it('reports every missing field of an incoming mail server at once, the handler’s and the mailbox’s', async () => {
    const empty = {
      name: '',
      projectId: '',
      emailAddress: '',
      authentication: 'password',
      protocol: 'imap',
      host: '',
      port: '993',
      security: 'tls',
      folder: 'INBOX',
      afterProcessing: 'mark_read',
      password: '',
    };
    const refused = await saveMailbox({ database: context.database, actor: context.admin, scope: { kind: 'server' }, input: empty, returnTo: '/x' }).catch(
      (error: unknown) => error,
    );
    expect(Object.keys((refused as { fieldErrors: Record<string, string[]> }).fieldErrors).sort()).toEqual(['emailAddress', 'host', 'name', 'projectId']);
  });

  it('explains a closed port, a bad certificate, a wrong password and a missing folder, each within the timeout', async () => {
    const base = {
      protocol: 'imap' as const,
      host: context.harness.host,
      port: context.harness.imap.tlsPort,
      security: 'tls' as const,
      username: 'support@acme.test',
      folder: 'INBOX',
      credential: { kind: 'password' as const, password: 'support-secret' },
    };
    const started = Date.now();
    const ok = await testMailConnection(base);
    expect(ok.steps.map((step) => step.step)).toEqual(['Resolve', 'Connect', 'TLS', 'Authenticate', 'Open folder', 'Message count']);
    expect(ok.ok).toBe(true);

    const starttls = await testMailConnection({ ...base, port: context.harness.imap.starttlsPort, security: 'starttls' });
    expect(starttls.ok).toBe(true);

    const closed = await testMailConnection({ ...base, port: 1 });
    expect(closed.error?.kind).toBe('unreachable');
    expect(closed.steps.at(-1)).toMatchObject({ step: 'Connect', ok: false });

    const untrusted = await untrustedTlsServer();
    try {
      const badCertificate = await testMailConnection({ ...base, host: '127.0.0.1', port: untrusted.port });
      expect(badCertificate.error?.kind).toBe('tls');
      expect(badCertificate.steps.at(-1)).toMatchObject({ step: 'TLS', ok: false });
    } finally {
      untrusted.close();
    }

    const wrongPassword = await testMailConnection({ ...base, credential: { kind: 'password', password: 'nope' } });
    expect(wrongPassword.error?.kind).toBe('auth');
    expect(wrongPassword.error?.message).toMatch(/refused the username or password/);

    const missingFolder = await testMailConnection({ ...base, folder: 'Nope' });
    expect(missingFolder.error?.kind).toBe('folder');
    expect(missingFolder.error?.message).toMatch(/“Nope” does not exist/);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
