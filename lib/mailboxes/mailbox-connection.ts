import type { DatabaseHandle } from '@/db/client';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import type { MailServerSettings } from '@/lib/mail/mail-settings';
import type { MailboxRow } from './mailbox-access';
import { getMailboxAccessToken } from './mailbox-access-token';
import type { MailboxSettings } from './mailbox-schema';

type ConnectionFields = Pick<MailboxSettings, 'protocol' | 'host' | 'port' | 'security' | 'folder' | 'emailAddress' | 'username'>;

/** Mail-server settings from a mailbox's fields and a credential. OAuth logins use the address as user name. */
export function mailServerSettingsOf(fields: ConnectionFields, credential: MailServerSettings['credential']): MailServerSettings {
  return {
    protocol: fields.protocol,
    host: fields.host,
    port: fields.port,
    security: fields.security,
    folder: fields.folder,
    username: credential.kind === 'oauth' || !fields.username ? fields.emailAddress : fields.username,
    credential,
  };
}

/** How to log in to a stored mailbox right now: its password, or a fresh access token. */
export async function storedMailServerSettings(database: DatabaseHandle, mailbox: MailboxRow): Promise<MailServerSettings> {
  const credential: MailServerSettings['credential'] =
    mailbox.authMethod === 'oauth'
      ? { kind: 'oauth', accessToken: await getMailboxAccessToken({ database, mailboxId: mailbox.id }) }
      : { kind: 'password', password: getSecretBox().open(mailbox.password ?? '', SECRET_PURPOSE.mailboxPassword) };
  return mailServerSettingsOf({ ...mailbox, username: mailbox.username ?? '' }, credential);
}

/** The outgoing-mail columns of typed settings: empty fields mean "the provider's or the port's default". */
export function smtpColumnsOf(settings: Pick<MailboxSettings, 'smtpHost' | 'smtpPort' | 'smtpSecurity'>) {
  return {
    smtpHost: settings.smtpHost || null,
    smtpPort: settings.smtpPort === '' ? null : settings.smtpPort,
    smtpSecurity: settings.smtpSecurity || null,
  };
}
