import type { IntegrationChoice, MailboxFormValues, MailServerHandlerValues } from '@/app/_components/mailbox-form';
import type { Queryable } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import type { MailboxView } from '@/lib/mailboxes/list-mailboxes';
import { listIntegrationChoices } from '@/lib/mailboxes/list-mailboxes';
import { PROVIDER_PRESETS } from '@/lib/oauth/providers';
import type { MailboxDraft } from '@/lib/mailboxes/save-mailbox';

/** Integrations with the host defaults the form pre-fills (Google, Microsoft). */
export async function integrationChoices(db: Queryable, actor: Actor): Promise<IntegrationChoice[]> {
  const integrations = await listIntegrationChoices({ db, actor });
  return integrations.map((integration) => ({
    ...integration,
    imap: PROVIDER_PRESETS[integration.provider].imap,
    pop3: PROVIDER_PRESETS[integration.provider].pop3,
  }));
}

export function mailboxFormValues(mailbox: NonNullable<MailboxView>): MailboxFormValues {
  return {
    emailAddress: mailbox.emailAddress,
    access: mailbox.access,
    aliasMailbox: mailbox.aliasMailbox ?? '',
    onlyMailToAlias: mailbox.onlyMailToAlias,
    authentication: mailbox.authMethod === 'oauth' && mailbox.integrationId ? mailbox.integrationId : 'password',
    protocol: mailbox.protocol,
    host: mailbox.host,
    port: mailbox.port,
    security: mailbox.security,
    folder: mailbox.folder,
    afterProcessing: mailbox.afterProcessing,
    moveToFolder: mailbox.moveToFolder ?? '',
    existingMail: mailbox.existingMail,
    existingMailSince: mailbox.existingMailSince ? mailbox.existingMailSince.toISOString().slice(0, 10) : '',
    username: mailbox.username ?? '',
    smtpHost: mailbox.smtpHost ?? '',
    smtpPort: mailbox.smtpPort ? String(mailbox.smtpPort) : '',
    smtpSecurity: mailbox.smtpSecurity ?? '',
    sendLimitPerMinute: mailbox.sendLimitPerMinute ? String(mailbox.sendLimitPerMinute) : '',
  };
}

/** What the form held when the admin went to the provider, for an authorization that was refused. */
export function draftFormValues(draft: Record<string, unknown> | null | undefined): { values: MailboxFormValues; handler: MailServerHandlerValues } | null {
  if (!draft) return null;
  const { settings, owner } = draft as unknown as MailboxDraft;
  return {
    values: {
      ...settings,
      // Drafts from before a setting existed lack it.
      access: settings.access ?? 'own',
      aliasMailbox: settings.aliasMailbox ?? '',
      onlyMailToAlias: settings.onlyMailToAlias ?? false,
      smtpPort: String(settings.smtpPort),
      sendLimitPerMinute: String(settings.sendLimitPerMinute),
    },
    handler: { name: owner.name, projectId: owner.projectId, createRequests: owner.createRequests, addComments: owner.addComments },
  };
}
