import type { DatabaseHandle } from '@/db/client';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import type { MailServerSettings } from '@/lib/mail/mail-settings';
import type { SmtpLogin } from '@/lib/mail/smtp/smtp-transport';
import type { MailboxRow } from './mailbox-access';
import { getMailboxAccessToken } from './mailbox-access-token';
import type { MailboxSettings } from './mailbox-schema';

type ConnectionFields = Pick<MailboxSettings, 'protocol' | 'host' | 'port' | 'security' | 'folder' | 'emailAddress' | 'username'> & {
  access: MailboxSettings['access'];
  aliasMailbox: string | null;
};

/**
 * The mailbox that is signed in to and read: the channel's own address, also for a shared
 * mailbox (XOAUTH2 `user=<shared>` with a member's token), or the mailbox an alias is delivered into.
 */
export function readMailboxOf(fields: Pick<ConnectionFields, 'access' | 'emailAddress' | 'aliasMailbox'>): string {
  return fields.access === 'alias' && fields.aliasMailbox ? fields.aliasMailbox : fields.emailAddress;
}

/** The account that must sign in at the provider; any member of a shared mailbox may (null). */
export function expectedSigner(fields: Pick<ConnectionFields, 'access' | 'emailAddress' | 'aliasMailbox'>): string | null {
  return fields.access === 'shared' ? null : readMailboxOf(fields);
}

/** Mail-server settings from a mailbox's fields and a credential. OAuth logins use the mailbox's address as user name. */
export function mailServerSettingsOf(fields: ConnectionFields, credential: MailServerSettings['credential']): MailServerSettings {
  return {
    protocol: fields.protocol,
    host: fields.host,
    port: fields.port,
    security: fields.security,
    folder: fields.folder,
    username: credential.kind === 'oauth' || !fields.username ? readMailboxOf(fields) : fields.username,
    credential,
  };
}

/**
 * Who signs in to SMTP. A shared mailbox cannot (Exchange answers 535 5.7.3): its member signs
 * in as themself and sends as the shared address, which needs Send As.
 */
export function smtpLoginOf(login: MailServerSettings, mailbox: { access: MailboxSettings['access']; authorizedEmail: string | null }): SmtpLogin {
  return mailbox.access === 'shared' && login.credential.kind === 'oauth' && mailbox.authorizedEmail
    ? { username: mailbox.authorizedEmail, credential: login.credential }
    : login;
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

export const PASSWORD_AGAIN = 'The server settings changed: enter the password again, so it is sent only to the server you chose.';

const sameHost = (a: string | null, b: string | null) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/**
 * Whether typed settings still reach the server the stored credential was given for. A password
 * or token goes only where it was typed or authorized: after any change here it must be given again.
 */
export function reachesStoredServer(existing: MailboxRow, settings: MailboxSettings): boolean {
  const typedMailbox = readMailboxOf(settings);
  const typedUsername = settings.authentication === 'password' ? settings.username || typedMailbox : typedMailbox;
  const storedUsername = existing.authMethod === 'password' ? existing.username || readMailboxOf(existing) : readMailboxOf(existing);
  const smtp = smtpColumnsOf(settings);
  return (
    existing.access === settings.access &&
    existing.protocol === settings.protocol &&
    sameHost(existing.host, settings.host) &&
    existing.port === settings.port &&
    existing.security === settings.security &&
    storedUsername === typedUsername &&
    sameHost(existing.smtpHost, smtp.smtpHost) &&
    existing.smtpPort === smtp.smtpPort
  );
}

/** Every use of a stored credential against typed settings leaves a trace of where it went. */
export async function auditStoredCredentialUse(
  database: DatabaseHandle,
  actor: Actor | null,
  mailbox: MailboxRow,
  settings: MailboxSettings,
  ok: boolean,
): Promise<void> {
  await recordAudit(database.db, {
    actor,
    action: 'mailbox.test',
    targetType: mailbox.kind === 'channel' ? 'email_channel' : 'mail_server',
    targetId: mailbox.id,
    details: {
      ok,
      storedCredential: true,
      protocol: settings.protocol,
      host: settings.host,
      port: settings.port,
      smtpHost: settings.smtpHost || null,
      smtpPort: settings.smtpPort || null,
    },
  });
}
