import { eq } from 'drizzle-orm';
import { mailboxes, oauthIntegrations } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { type ConnectionStep, testMailConnection } from '@/lib/mail/test-mail-connection';
import type { GrantOutcome, GrantToStore } from '@/lib/oauth/complete-oauth-callback';
import { emailDomainOf } from '@/lib/oauth/mailbox-domains';
import { sendQueuedNow } from '@/lib/outbound/send-queued-now';
import { recordExistingMail } from '@/lib/ingest/record-existing-mail';
import { isUniqueViolation } from '@/lib/validation';
import { type MailboxRow, requireMailboxAdmin } from './mailbox-access';
import { expectedSigner, mailServerSettingsOf } from './mailbox-connection';
import { assertMailboxIsFree } from './mailbox-target';
import { type MailboxDraft, mailboxColumns } from './save-mailbox';

type IntegrationRow = typeof oauthIntegrations.$inferSelect;
type Target = Pick<MailboxRow, 'access' | 'emailAddress' | 'aliasMailbox'>;

const inDomains = (address: string, integration: IntegrationRow) => {
  const domain = emailDomainOf(address);
  return domain !== null && integration.mailboxDomains.includes(domain);
};

/** Why the account that signed in may not authorize this mailbox, or null when it may. */
function signerRefusal(email: string, target: Target, integration: IntegrationRow): string | null {
  const allowed = integration.mailboxDomains.join(', ');
  if (!inDomains(email, integration))
    return `You signed in as ${email}, but the integration “${integration.name}” may authorize only mailboxes at ${allowed}. Nothing was saved.`;
  if (!inDomains(target.emailAddress, integration))
    return `${target.emailAddress} is not at ${allowed}, the domains the integration “${integration.name}” may authorize. Nothing was saved.`;
  const signer = expectedSigner(target);
  if (signer === null || signer === email) return null;
  return target.access === 'alias'
    ? `You signed in as ${email}, but the alias ${target.emailAddress} is delivered into ${signer}. Sign in to the provider as ${signer}. Nothing was saved.`
    : `You signed in as ${email}, but this mailbox is ${signer}. Sign in to the provider as ${signer}. Nothing was saved.`;
}

/** What the mail server's refusal of the new token means, and what to grant so it opens. */
function serverRefusal(email: string, target: Target, refusedLogin: boolean, failed: ConnectionStep | undefined): string {
  const failure = `the connection test failed at “${failed?.step}”: ${failed?.detail}`;
  if (refusedLogin && target.access === 'shared')
    return `You signed in as ${email}, but the mail server did not let ${email} open the shared mailbox ${target.emailAddress} (${failure}). In the Exchange admin center, under Recipients › Mailboxes › ${target.emailAddress} › Delegation, give ${email} Full Access (and Send As, for replies), wait a few minutes, then use Save and authorize again.`;
  return `You signed in as ${email}, but ${failure} Correct the settings and use Save and authorize again.`;
}

/**
 * Stores a mailbox grant the callback brought back: the account that signed in at the provider
 * must be the one the mailbox needs (any member, for a shared mailbox), at a domain the
 * integration allows, and the mail server must let it in — otherwise nothing is stored. On
 * success the tokens are stored encrypted.
 */
export async function storeMailboxGrant({ database, actor, completed: { authorization, email, tokens } }: GrantToStore): Promise<GrantOutcome> {
  const { db } = database;
  const integrationId = authorization.integrationId;
  const [integration] = await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
  const [existing] = authorization.mailboxId ? await db.select().from(mailboxes).where(eq(mailboxes.id, authorization.mailboxId)) : [];
  const draft = authorization.draft as MailboxDraft | null;
  const expectedAddress = draft?.settings.emailAddress ?? existing?.emailAddress;
  const owner = draft?.owner ?? existing;
  const columns = draft ? mailboxColumns(draft.settings, draft.owner) : null;
  if (!integration || !expectedAddress || !owner)
    return { ok: false, message: 'The mailbox or integration changed while you were at the provider. Nothing was saved; start again.' };
  // Permissions may have changed while the admin was away at the provider.
  await requireMailboxAdmin(db, actor, owner);

  const target = columns ?? existing!;
  const refusal = signerRefusal(email, target, integration);
  if (refusal) return { ok: false, message: refusal };

  const connection = mailServerSettingsOf({ ...target, username: '' }, { kind: 'oauth', accessToken: tokens.accessToken });
  const test = await testMailConnection(connection);
  const failedStep = test.steps.find((step) => !step.ok);
  // The provider vouching for the account says nothing about whether it may open that mailbox:
  // a new mailbox, or one a different account now signs in to, is saved only once its server
  // accepts the new token, so a non-member never replaces a member's working grant.
  if ((!existing || existing.authorizedEmail !== email) && !test.ok) {
    return { ok: false, message: `${serverRefusal(email, target, test.error?.kind === 'auth', failedStep)} Nothing was saved.` };
  }
  const box = getSecretBox();
  const now = new Date();
  const keepDisabled = existing?.status === 'disabled';
  const status = !test.ok ? 'failing' : keepDisabled ? 'disabled' : 'active';
  const tokenColumns = {
    accessToken: box.seal(tokens.accessToken, SECRET_PURPOSE.mailboxAccessToken),
    accessTokenExpiresAt: tokens.expiresAt,
    // Keep a refresh token the provider did not resend on re-authorization.
    ...(tokens.refreshToken ? { refreshToken: box.seal(tokens.refreshToken, SECRET_PURPOSE.mailboxRefreshToken) } : {}),
    authorizedEmail: email,
    authorizedAt: now,
    password: null,
    status,
    statusMessage: test.ok ? null : `${failedStep?.step}: ${failedStep?.detail}`,
    statusSince: now,
    lastCheckAt: now,
    ...(test.ok ? { lastSuccessAt: now } : {}),
    // A re-authorized mailbox was backing off (up to an hour) after its grant was refused:
    // poll it at once, or the mail that arrived meanwhile waits out that backoff.
    consecutiveFailures: 0,
    nextPollAt: now,
  } as const;

  const mailboxId = await db
    .transaction(async (tx) => {
      if (columns) await assertMailboxIsFree(tx, draft!.owner, columns, existing?.id);
      const [row] = existing
        ? await tx
            .update(mailboxes)
            .set({ ...(columns ?? {}), ...tokenColumns, tokenVersion: existing.tokenVersion + 1 })
            .where(eq(mailboxes.id, existing.id))
            .returning({ id: mailboxes.id, kind: mailboxes.kind })
        : await tx
            .insert(mailboxes)
            .values({ ...columns!, ...tokenColumns })
            .returning({ id: mailboxes.id, kind: mailboxes.kind });
      if (existing) await sendQueuedNow(tx, existing.id);
      await recordExistingMail(tx, { ...(columns ?? existing!), id: row!.id }, test.existingMail);
      await recordAudit(tx, {
        actor,
        action: existing ? 'mailbox.reauthorize' : 'mailbox.create',
        targetType: row!.kind === 'channel' ? 'email_channel' : 'mail_server',
        targetId: row!.id,
        details: { emailAddress: target.emailAddress, authorizedBy: email, integration: integration.name, connectionTest: test.ok ? 'passed' : 'failed' },
      });
      return row!.id;
    })
    .catch((error: unknown) => {
      if (isUniqueViolation(error)) return null;
      throw error;
    });

  if (mailboxId === null) return { ok: false, message: 'Another channel or mail server took this address meanwhile. Nothing was saved.' };

  const kindName = owner.kind === 'channel' ? 'email channel' : 'incoming mail server';
  if (!test.ok) {
    return {
      ok: false,
      message: `${target.emailAddress} is authorized again, but the connection test failed at “${failedStep?.step}”: ${failedStep?.detail} Fix the settings and use Test connection.`,
      mailboxId,
    };
  }
  if (keepDisabled) return { ok: true, message: `${target.emailAddress} is re-authorized. The ${kindName} stays disabled until you enable it.`, mailboxId };
  return {
    ok: true,
    message:
      owner.kind === 'channel'
        ? `Your email channel is enabled — customers can now create requests by emailing ${target.emailAddress}`
        : `The incoming mail server is enabled — mail to ${target.emailAddress} is now filed by its handler.`,
    mailboxId,
  };
}
