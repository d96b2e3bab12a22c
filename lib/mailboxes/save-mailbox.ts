import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { ValidationError } from '@/lib/errors';
import { testMailConnection, type ConnectionTestResult } from '@/lib/mail/test-mail-connection';
import { assertIntegrationMailHosts } from '@/lib/oauth/integration-mail-hosts';
import { type StartedAuthorization, startAuthorization } from '@/lib/oauth/start-authorization';
import { smtpEndpointOf } from '@/lib/outbound/smtp-endpoint';
import { sendQueuedNow } from '@/lib/outbound/send-queued-now';
import { recordExistingMail } from '@/lib/ingest/record-existing-mail';
import { isUniqueViolation, parseInput } from '@/lib/validation';
import { loadMailboxForAdmin, type MailboxRow } from './mailbox-access';
import {
  auditStoredCredentialUse,
  expectedSigner,
  mailServerSettingsOf,
  readMailboxOf,
  PASSWORD_AGAIN,
  reachesStoredServer,
  smtpColumnsOf,
  storedMailServerSettings,
} from './mailbox-connection';
import { type MailboxSettings, mailboxSettingsSchema } from './mailbox-schema';
import { assertMailboxIsFree, integrationForAddress, type MailboxOwner, type MailboxScope, resolveMailboxOwner } from './mailbox-target';

export type SaveMailboxResult =
  | { outcome: 'saved'; mailboxId: string; test: ConnectionTestResult }
  | { outcome: 'authorize'; authorization: StartedAuthorization }
  /** The connection test failed, so nothing was saved. */
  | { outcome: 'test_failed'; test: ConnectionTestResult };

/** What an authorization flow carries until the provider confirms the mailbox. */
export interface MailboxDraft {
  settings: Omit<MailboxSettings, 'password'>;
  owner: MailboxOwner;
}

export function mailboxColumns(settings: Omit<MailboxSettings, 'password'>, owner: MailboxOwner) {
  const usesOAuth = settings.authentication !== 'password';
  return {
    kind: owner.kind,
    name: owner.name,
    projectId: owner.projectId,
    createRequests: owner.createRequests,
    addComments: owner.addComments,
    emailAddress: settings.emailAddress,
    access: settings.access,
    aliasMailbox: settings.access === 'alias' ? settings.aliasMailbox : null,
    onlyMailToAlias: settings.access === 'alias' && settings.onlyMailToAlias,
    protocol: settings.protocol,
    host: settings.host,
    port: settings.port,
    security: settings.security,
    folder: settings.protocol === 'imap' ? settings.folder : 'INBOX',
    afterProcessing: settings.afterProcessing,
    moveToFolder: settings.afterProcessing === 'move' ? settings.moveToFolder : null,
    existingMail: settings.existingMail,
    existingMailSince: settings.existingMail === 'since' ? new Date(`${settings.existingMailSince}T00:00:00Z`) : null,
    authMethod: usesOAuth ? ('oauth' as const) : ('password' as const),
    integrationId: usesOAuth ? settings.authentication : null,
    username: usesOAuth ? null : settings.username || readMailboxOf(settings),
    ...smtpColumnsOf(settings),
    sendLimitPerMinute: settings.sendLimitPerMinute === '' ? null : settings.sendLimitPerMinute,
    updatedAt: new Date(),
  };
}

/** A new grant is needed when the mailbox, the integration or the server it is sent to changes. */
function identityChanged(existing: MailboxRow, settings: MailboxSettings): boolean {
  return (
    existing.authMethod !== 'oauth' ||
    existing.integrationId !== settings.authentication ||
    existing.emailAddress !== settings.emailAddress ||
    !reachesStoredServer(existing, settings)
  );
}

/**
 * Saves a channel or incoming mail server. An OAuth mailbox that is new, or whose address or
 * integration changes, is not saved yet: the caller sends the admin to the provider, and the
 * settings are stored only once the provider confirms the mailbox. Otherwise the connection
 * test must pass before anything is saved.
 */
export async function saveMailbox({
  database,
  actor,
  scope,
  mailboxId,
  input,
  returnTo,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  scope: MailboxScope;
  mailboxId?: string;
  input: unknown;
  returnTo: string;
}): Promise<SaveMailboxResult> {
  const { db } = database;
  const existing = mailboxId ? await loadMailboxForAdmin(db, actor, mailboxId) : undefined;
  const owner = await resolveMailboxOwner(
    db,
    actor,
    existing && existing.kind === 'channel' ? { kind: 'channel', projectId: existing.projectId } : scope,
    input,
  );
  const settings = parseInput(mailboxSettingsSchema, input);
  await assertMailboxIsFree(db, owner, { ...settings, aliasMailbox: settings.aliasMailbox || null }, existing?.id);

  if (settings.authentication !== 'password') {
    await integrationForAddress(db, settings.authentication, settings.emailAddress);
    const smtp = { host: settings.host, integrationId: settings.authentication, ...smtpColumnsOf(settings) };
    await assertIntegrationMailHosts(database, settings.authentication, { host: settings.host, smtpHost: (await smtpEndpointOf(database, smtp)).host });
    if (!existing || identityChanged(existing, settings)) {
      const { password: _unused, ...withoutPassword } = settings;
      const draft: MailboxDraft = { settings: withoutPassword, owner };
      const authorization = await startAuthorization({
        db,
        actor,
        integrationId: settings.authentication,
        mailboxId: existing?.id ?? null,
        draft: draft as unknown as Record<string, unknown>,
        loginHint: expectedSigner(settings) ?? undefined,
        returnTo,
      });
      return { outcome: 'authorize', authorization };
    }
    const current = await storedMailServerSettings(database, existing);
    const test = await testMailConnection(mailServerSettingsOf(settings, current.credential));
    await auditStoredCredentialUse(database, actor, existing, settings, test.ok);
    if (!test.ok) return { outcome: 'test_failed', test };
    await persist(database, actor, existing, mailboxColumns(settings, owner), {}, test);
    return { outcome: 'saved', mailboxId: existing.id, test };
  }

  const hadPassword = existing?.authMethod === 'password' && Boolean(existing.password);
  const reusesStored = !settings.password && hadPassword && reachesStoredServer(existing!, settings);
  const password = settings.password || (reusesStored ? getSecretBox().open(existing!.password!, SECRET_PURPOSE.mailboxPassword) : '');
  if (!password) throw ValidationError.field('password', hadPassword ? PASSWORD_AGAIN : 'Enter the mailbox password.');
  const test = await testMailConnection(mailServerSettingsOf(settings, { kind: 'password', password }));
  if (reusesStored) await auditStoredCredentialUse(database, actor, existing!, settings, test.ok);
  if (!test.ok) return { outcome: 'test_failed', test };
  const secrets = {
    password: getSecretBox().seal(password, SECRET_PURPOSE.mailboxPassword),
    accessToken: null,
    refreshToken: null,
    accessTokenExpiresAt: null,
    authorizedEmail: null,
  };
  const saved = await persist(database, actor, existing, mailboxColumns(settings, owner), secrets, test);
  return { outcome: 'saved', mailboxId: saved, test };
}

async function persist(
  database: DatabaseHandle,
  actor: Actor | null,
  existing: MailboxRow | undefined,
  columns: ReturnType<typeof mailboxColumns>,
  secrets: Partial<typeof mailboxes.$inferInsert>,
  test: ConnectionTestResult,
): Promise<string> {
  try {
    return await database.db.transaction(async (tx) => {
      const now = new Date();
      const [row] = existing
        ? await tx
            .update(mailboxes)
            .set({ ...columns, ...secrets })
            .where(eq(mailboxes.id, existing.id))
            .returning({ id: mailboxes.id })
        : await tx
            .insert(mailboxes)
            .values({ ...columns, ...secrets, status: 'active', statusSince: now, lastCheckAt: now, lastSuccessAt: now })
            .returning({ id: mailboxes.id });
      if (existing) await sendQueuedNow(tx, existing.id);
      await recordExistingMail(tx, { ...columns, id: row!.id }, test.existingMail);
      await recordAudit(tx, {
        actor,
        action: existing ? 'mailbox.update' : 'mailbox.create',
        targetType: columns.kind === 'channel' ? 'email_channel' : 'mail_server',
        targetId: row!.id,
        details: { emailAddress: columns.emailAddress, protocol: columns.protocol, host: columns.host, port: columns.port, authMethod: columns.authMethod },
      });
      return row!.id;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'mailboxes_email_address_key'))
      throw ValidationError.field('emailAddress', 'This address is already used by another channel or mail server.');
    if (isUniqueViolation(error, 'mailboxes_one_channel_per_project')) throw new ValidationError({}, 'This project already has an email channel.');
    throw error;
  }
}
