import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { inboundMessages, mailboxes, outboundMessages, requests } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { getMailboxAccessToken } from '@/lib/mailboxes/mailbox-access-token';
import { reauthorizeMailbox } from '@/lib/mailboxes/reauthorize-mailbox';
import { saveMailbox } from '@/lib/mailboxes/save-mailbox';
import { testMailbox } from '@/lib/mailboxes/test-mailbox';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import { addAgentComment } from '@/lib/requests/add-agent-comment';
import { sendOutboundMessage } from '@/lib/outbound/send-outbound-message';
import { authorizationOf, finishAuthorization, harnessChannelInput } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { createHarnessIntegration } from '../support/oauth-flow';
import { setupIntegration } from '../support/integration-context';

// Each topology against a mail server that enforces delegation as Exchange Online does: Full
// Access decides who may open a shared mailbox (over XOAUTH2 with user=<shared>), Send As who
// may send as it; an alias lands in another mailbox with Delivered-To and X-Original-To.

const context = setupIntegration();
const DOMAIN = 'shared.test';
const SHARED = `support@${DOMAIN}`;
const ALICE = `alice@${DOMAIN}`;
const BOB = `bob@${DOMAIN}`;
const MALLORY = `mallory@${DOMAIN}`;
const CAROL = `carol@${DOMAIN}`;
const CUSTOMER = 'shared-customer@example.test';
const password = (email: string) => `${email}-secret`;
let integration: { integrationId: string; redirectUri: string };

const poll = (mailboxId: string) =>
  pollMailbox({ database: context.database, mailboxId, workerId: 'shared-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });

/** Save and authorize of a channel, the provider's sign-in done as `signer`. */
async function connect(actor: Actor, projectId: string, signer: string, overrides: Record<string, unknown>) {
  const { harness, database } = context;
  const started = authorizationOf(
    await saveMailbox({
      database,
      actor,
      scope: { kind: 'channel', projectId },
      input: harnessChannelInput(harness, { authentication: integration.integrationId, ...smtpOf(), ...overrides }),
      returnTo: '/x',
    }),
  );
  return finishAuthorization(harness, database, actor, started, integration, signer);
}

const smtpOf = () => ({ smtpHost: context.harness.host, smtpPort: context.harness.smtp.starttlsPort });

const channelOf = async (emailAddress: string) => (await context.database.db.select().from(mailboxes).where(eq(mailboxes.emailAddress, emailAddress)))[0];

/** A request from the customer's mail, and the agent's reply to it sent; the outbound row as it ended. */
async function replyTo(actor: Actor, mailboxId: string, subject: string) {
  const { database } = context;
  const [request] = await database.db
    .select()
    .from(requests)
    .where(and(eq(requests.mailboxId, mailboxId), eq(requests.summary, subject)));
  expect(request).toBeDefined();
  await addAgentComment({ db: database.db, actor, input: { requestId: request!.id, body: `About “${subject}”: done.`, kind: 'reply' } });
  const [outbound] = await database.db
    .select()
    .from(outboundMessages)
    .where(and(eq(outboundMessages.requestId, request!.id), eq(outboundMessages.kind, 'reply')));
  const outcome = await sendOutboundMessage(database, outbound!.id);
  const [after] = await database.db.select().from(outboundMessages).where(eq(outboundMessages.id, outbound!.id));
  return { outcome, outbound: after! };
}

beforeAll(async () => {
  const { harness, database, admin } = context;
  await harness.addUsers([ALICE, BOB, MALLORY, CAROL, CUSTOMER].map((email) => ({ email, password: password(email) })));
  await harness.addSharedMailbox(SHARED);
  await harness.grantMailboxAccess(ALICE, SHARED, { fullAccess: true, sendAs: true });
  await harness.grantMailboxAccess(BOB, SHARED, { fullAccess: true, sendAs: false });
  integration = await createHarnessIntegration(database.db, admin, harness, { domains: [DOMAIN] });
}, 60_000);

describe('Microsoft 365 shared mailbox', { timeout: 120_000 }, () => {
  it('a non-member is refused by the mail server and nothing is saved; a member reads it and replies go out from the shared address', async () => {
    const { harness, database, admin } = context;
    const { project, lead } = await seedProject(database.db, admin, 'SHR');

    const refused = await connect(lead, project.id, MALLORY, { emailAddress: SHARED, access: 'shared' });
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(
      new RegExp(
        `^You signed in as ${MALLORY}, but the mail server did not let ${MALLORY} open the shared mailbox ${SHARED} .*give ${MALLORY} Full Access.*Nothing was saved\\.$`,
      ),
    );
    expect(await channelOf(SHARED)).toBeUndefined();

    const connected = await connect(lead, project.id, ALICE, { emailAddress: SHARED, access: 'shared' });
    expect(connected).toMatchObject({ ok: true, message: `Your email channel is enabled — customers can now create requests by emailing ${SHARED}` });
    const channel = (await channelOf(SHARED))!;
    expect(channel).toMatchObject({ access: 'shared', authorizedEmail: ALICE, status: 'active' });

    const test = await testMailbox({ database, actor: lead, mailboxId: channel.id, outgoing: true });
    expect(test.steps.find((step) => step.step === 'Authenticate')?.detail).toContain(`as ${SHARED} with OAuth 2.0`);
    expect(test.outgoing?.detail).toContain(`as ${ALICE} with OAuth 2.0`);
    expect(test.outgoing?.detail).toContain(`replies are sent as ${SHARED}`);

    await harness.deliver(SHARED, buildEmail({ from: `Sam Shared <${CUSTOMER}>`, to: SHARED, subject: 'Printer on fire' }));
    await poll(channel.id);
    const { outcome, outbound } = await replyTo(lead, channel.id, 'Printer on fire');
    expect(outcome).toBe('sent');
    const [reply] = (await harness.sentMessages({ to: CUSTOMER })).filter((message) => message.raw.toString('utf8').includes(outbound.messageId));
    expect(reply).toMatchObject({ from: SHARED, authUser: ALICE, authMethod: 'XOAUTH2' });
    expect(reply!.raw.toString('utf8')).toMatch(new RegExp(`^From: .*<${SHARED}>`, 'm'));
  });

  it('without Send As, reading works and the reply fails saying which permission to grant', async () => {
    const { harness, database, admin } = context;
    const channel = (await channelOf(SHARED))!;
    // Bob, a member without Send As, takes the channel over from Alice.
    const started = await reauthorizeMailbox({ db: database.db, actor: admin, mailboxId: channel.id, returnTo: '/x' });
    // Any member may sign in, so the provider is asked to let the person choose, not to reuse a session.
    expect(new URL(started.url).searchParams.get('login_hint')).toBeNull();
    expect(new URL(started.url).searchParams.get('prompt')).toBe('login consent');
    const handedOver = await finishAuthorization(harness, database, admin, started, integration, BOB);
    expect(handedOver.ok).toBe(true);
    expect(await channelOf(SHARED)).toMatchObject({ id: channel.id, authorizedEmail: BOB, status: 'active' });

    await harness.deliver(SHARED, buildEmail({ from: `Sam Shared <${CUSTOMER}>`, to: SHARED, subject: 'Scanner jammed' }));
    await poll(channel.id);
    const { outcome, outbound } = await replyTo(admin, channel.id, 'Scanner jammed');
    expect(outcome).toBe('retry');
    expect(outbound.lastError).toMatch(new RegExp(`did not let ${BOB} send as ${SHARED} \\(554\\).*give ${BOB} Send As`));
    expect((await harness.sentMessages({ to: CUSTOMER })).some((message) => message.raw.toString('utf8').includes(outbound.messageId))).toBe(false);
  });

  it('when the member leaves, the channel needs re-authorization naming them; another member takes over with cursor and history; a non-member cannot', async () => {
    const { harness, database, admin } = context;
    const channel = (await channelOf(SHARED))!;
    const filedBefore = await database.db.select({ id: inboundMessages.id }).from(inboundMessages).where(eq(inboundMessages.mailboxId, channel.id));

    await harness.revokeGrants(BOB);
    const refused = await getMailboxAccessToken({ database, mailboxId: channel.id, forceRefresh: true }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OAuthFailure);
    expect(await channelOf(SHARED)).toMatchObject({ status: 'needs_reauthorization', authorizedEmail: BOB });

    // A non-member's sign-in never replaces the grant, even a broken one.
    const byMallory = await finishAuthorization(
      harness,
      database,
      admin,
      await reauthorizeMailbox({ db: database.db, actor: admin, mailboxId: channel.id, returnTo: '/x' }),
      integration,
      MALLORY,
    );
    expect(byMallory.ok).toBe(false);
    expect(byMallory.message).toContain('Nothing was saved');
    expect(await channelOf(SHARED)).toMatchObject({ status: 'needs_reauthorization', authorizedEmail: BOB });

    const byAlice = await finishAuthorization(
      harness,
      database,
      admin,
      await reauthorizeMailbox({ db: database.db, actor: admin, mailboxId: channel.id, returnTo: '/x' }),
      integration,
      ALICE,
    );
    expect(byAlice.ok).toBe(true);
    const after = (await channelOf(SHARED))!;
    expect(after).toMatchObject({ id: channel.id, status: 'active', authorizedEmail: ALICE, access: 'shared', folder: channel.folder });
    await poll(channel.id);
    // Nothing already filed is read again.
    const filedAfter = await database.db.select({ id: inboundMessages.id }).from(inboundMessages).where(eq(inboundMessages.mailboxId, channel.id));
    expect(filedAfter.length).toBe(filedBefore.length);
  });

  it('is read over POP3 too, with the member’s token and user=<shared>', async () => {
    const { harness, database, admin } = context;
    const desk = `pop-desk@${DOMAIN}`;
    await harness.addSharedMailbox(desk);
    await harness.grantMailboxAccess(ALICE, desk, { fullAccess: true, sendAs: true });
    const { project, lead } = await seedProject(database.db, admin, 'SHO');
    const pop3 = { emailAddress: desk, access: 'shared', protocol: 'pop3', port: harness.xoauth2Only.pop3.tlsPort, afterProcessing: 'delete' };
    expect((await connect(lead, project.id, MALLORY, pop3)).message).toContain(`did not let ${MALLORY} open the shared mailbox ${desk}`);
    expect((await connect(lead, project.id, ALICE, pop3)).ok).toBe(true);
    await harness.deliver(desk, buildEmail({ from: `Sam Shared <${CUSTOMER}>`, to: desk, subject: 'Over POP3' }));
    await poll((await channelOf(desk))!.id);
    expect(await database.db.select({ summary: requests.summary }).from(requests).where(eq(requests.projectId, project.id))).toEqual([
      { summary: 'Over POP3' },
    ]);
    expect(await harness.listMessages(desk)).toHaveLength(0);
  });

  it('needs an OAuth 2.0 integration', async () => {
    const { database, admin } = context;
    const { project, lead } = await seedProject(database.db, admin, 'SHP');
    const error = await saveMailbox({
      database,
      actor: lead,
      scope: { kind: 'channel', projectId: project.id },
      input: harnessChannelInput(context.harness, { emailAddress: `desk@${DOMAIN}`, access: 'shared', authentication: 'password', password: 'x' }),
      returnTo: '/x',
    }).catch((caught: unknown) => caught);
    expect((error as { fieldErrors: Record<string, string[]> }).fieldErrors.access?.[0]).toMatch(/sign-in of one of its members/);
  });
});

describe('alias delivered into another mailbox', { timeout: 120_000 }, () => {
  const SALES = `sales@${DOMAIN}`;
  const BILLING = `billing@${DOMAIN}`;

  it('files only the mail addressed to each alias, leaves the rest untouched, and replies come from the alias', async () => {
    const { harness, database, admin } = context;
    await harness.addAlias(SALES, CAROL, { sendAs: true });
    await harness.addAlias(BILLING, CAROL, { sendAs: true });
    const sales = await seedProject(database.db, admin, 'ALS');
    const billing = await seedProject(database.db, admin, 'ALB');
    const aliasSettings = { access: 'alias', aliasMailbox: CAROL, onlyMailToAlias: true, afterProcessing: 'mark_read' };

    const wrongAccount = await connect(sales.lead, sales.project.id, ALICE, { emailAddress: SALES, ...aliasSettings });
    expect(wrongAccount.message).toBe(
      `You signed in as ${ALICE}, but the alias ${SALES} is delivered into ${CAROL}. Sign in to the provider as ${CAROL}. Nothing was saved.`,
    );
    expect((await connect(sales.lead, sales.project.id, CAROL, { emailAddress: SALES, ...aliasSettings })).ok).toBe(true);

    // A second channel on the same mailbox that would file everything, or move it away, is refused.
    for (const unsafe of [{ onlyMailToAlias: false }, { afterProcessing: 'delete' }]) {
      const error = await saveMailbox({
        database,
        actor: billing.lead,
        scope: { kind: 'channel', projectId: billing.project.id },
        input: harnessChannelInput(harness, { authentication: integration.integrationId, emailAddress: BILLING, ...smtpOf(), ...aliasSettings, ...unsafe }),
        returnTo: '/x',
      }).catch((caught: unknown) => caught);
      expect((error as { fieldErrors: Record<string, string[]> }).fieldErrors.aliasMailbox?.[0]).toMatch(new RegExp(`^${CAROL} is also read by`));
    }
    expect((await connect(billing.lead, billing.project.id, CAROL, { emailAddress: BILLING, ...aliasSettings })).ok).toBe(true);

    await harness.deliver(SALES, buildEmail({ from: `Sue <${CUSTOMER}>`, to: SALES, subject: 'A quote, please' }));
    await harness.deliver(BILLING, buildEmail({ from: `Sue <${CUSTOMER}>`, to: BILLING, subject: 'Invoice is wrong' }));
    // Mail for the account itself and for a look-alike address belongs to neither channel.
    await harness.deliver(CAROL, buildEmail({ from: `Sue <${CUSTOMER}>`, to: CAROL, subject: 'Lunch on Friday?' }));
    await harness.deliver(CAROL, buildEmail({ from: `Sue <${CUSTOMER}>`, to: `pre-${SALES}`, subject: 'Look-alike' }));
    const salesChannel = (await channelOf(SALES))!;
    const billingChannel = (await channelOf(BILLING))!;
    await poll(salesChannel.id);
    await poll(billingChannel.id);

    const summaries = async (projectId: string) =>
      (await database.db.select({ summary: requests.summary }).from(requests).where(eq(requests.projectId, projectId))).map((row) => row.summary);
    expect(await summaries(sales.project.id)).toEqual(['A quote, please']);
    expect(await summaries(billing.project.id)).toEqual(['Invoice is wrong']);
    // Another poll files nothing again, and what neither channel filed is still unread.
    await poll(salesChannel.id);
    expect(await summaries(sales.project.id)).toEqual(['A quote, please']);
    const unread = (await harness.listMessages(CAROL)).filter((message) => !message.flags.includes('\\Seen'));
    expect(
      unread
        .map((message) =>
          message.raw
            .toString('utf8')
            .match(/^Subject: (.*)$/m)?.[1]
            ?.trim(),
        )
        .sort(),
    ).toEqual(['Look-alike', 'Lunch on Friday?']);
    expect(await database.db.select().from(inboundMessages).where(eq(inboundMessages.mailboxId, salesChannel.id))).toHaveLength(1);

    const { outcome, outbound } = await replyTo(sales.lead, salesChannel.id, 'A quote, please');
    expect(outcome).toBe('sent');
    const [reply] = (await harness.sentMessages({ to: CUSTOMER })).filter((message) => message.raw.toString('utf8').includes(outbound.messageId));
    expect(reply).toMatchObject({ from: SALES, authUser: CAROL });
  });
});
