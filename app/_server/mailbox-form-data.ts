import type { IntegrationChoice, MailboxFormValues } from '@/app/_components/mailbox-form';
import type { Queryable } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import type { MailboxView } from '@/lib/mailboxes/list-mailboxes';
import { listIntegrationChoices } from '@/lib/mailboxes/list-mailboxes';
import { PROVIDER_PRESETS } from '@/lib/oauth/providers';

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
