import { eq } from 'drizzle-orm';
import type { DatabaseHandle, Queryable } from '@/db/client';
import { outgoingMailServer } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { ValidationError } from '@/lib/errors';
import type { MailServerSettings } from '@/lib/mail/mail-settings';
import type { SmtpEndpoint, SmtpLogin } from '@/lib/mail/smtp/smtp-transport';
import { PASSWORD_AGAIN } from '@/lib/mailboxes/mailbox-connection';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import { getOutgoingMailAccessToken } from './outgoing-mail-access-token';
import type { OutgoingMailDraft, OutgoingMailSettings } from './outgoing-mail-schema';

export type OutgoingMailServerRow = typeof outgoingMailServer.$inferSelect;

/** Where system email goes out and who signs in: what Send test email and the alert job use. */
export interface OutgoingMailConnection {
  endpoint: SmtpEndpoint;
  login: SmtpLogin;
  fromAddress: string;
}

export async function loadOutgoingMailServer(db: Queryable): Promise<OutgoingMailServerRow | null> {
  const [row] = await db.select().from(outgoingMailServer).where(eq(outgoingMailServer.id, 'system'));
  return row ?? null;
}

export function connectionOf(settings: OutgoingMailDraft, credential: MailServerSettings['credential']): OutgoingMailConnection {
  return {
    endpoint: { host: settings.host, port: settings.port, security: settings.security },
    login: { username: settings.username, credential },
    fromAddress: settings.fromAddress,
  };
}

/** The stored server as the settings it was saved from. */
export function storedSettingsOf(row: OutgoingMailServerRow): OutgoingMailDraft {
  return {
    host: row.host,
    port: row.port,
    security: row.security,
    authentication: row.authMethod === 'oauth' ? row.integrationId! : 'password',
    username: row.username,
    fromAddress: row.fromAddress,
  };
}

async function storedCredential(database: DatabaseHandle, row: OutgoingMailServerRow, forceRefresh = false): Promise<MailServerSettings['credential']> {
  // The provider already refused this grant: asking it again on every send changes nothing.
  if (row.status === 'needs_reauthorization')
    throw new OAuthFailure(
      'needs_reauthorization',
      `The provider no longer accepts the authorization of ${row.authorizedEmail ?? row.username} for outgoing mail`,
    );
  return row.authMethod === 'oauth'
    ? { kind: 'oauth', accessToken: await getOutgoingMailAccessToken(database, forceRefresh) }
    : { kind: 'password', password: getSecretBox().open(row.password!, SECRET_PURPOSE.outgoingMailPassword) };
}

/** The stored server, ready to send; null when none is configured (notifications are off). */
export async function storedOutgoingMailConnection(database: DatabaseHandle, forceRefresh = false): Promise<OutgoingMailConnection | null> {
  const row = await loadOutgoingMailServer(database.db);
  return row ? connectionOf(storedSettingsOf(row), await storedCredential(database, row, forceRefresh)) : null;
}

const sameHost = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Whether typed settings still reach the server and account the stored password or grant was
 * given for (the rule mailboxes follow, see reachesStoredServer): only then is it reused.
 */
export function reachesStoredCredential(stored: OutgoingMailServerRow | null, settings: OutgoingMailDraft): stored is OutgoingMailServerRow {
  return (
    stored !== null &&
    storedSettingsOf(stored).authentication === settings.authentication &&
    sameHost(stored.host, settings.host) &&
    stored.port === settings.port &&
    stored.security === settings.security &&
    stored.username.toLowerCase() === settings.username.toLowerCase()
  );
}

/** Why Send test email cannot use an OAuth 2.0 account that was never authorized for these settings. */
export const AUTHORIZE_FIRST = 'Use Save and authorize first: Intake has no authorization for this account and server yet.';

/** Why Send test email cannot use an OAuth 2.0 grant the provider refused. */
export const AUTHORIZE_AGAIN = 'The provider no longer accepts the stored authorization: use Authorize, then send the test email again.';

/**
 * The credential for typed settings: the typed password, or the stored password or grant while
 * the settings still reach what it was given for.
 */
export async function credentialFor(
  database: DatabaseHandle,
  stored: OutgoingMailServerRow | null,
  settings: OutgoingMailSettings,
): Promise<{ credential: MailServerSettings['credential']; reusesStored: boolean }> {
  if (settings.authentication === 'password' && settings.password)
    return { credential: { kind: 'password', password: settings.password }, reusesStored: false };
  const storedPassword = stored?.authMethod === 'password';
  if (!reachesStoredCredential(stored, settings)) {
    if (settings.authentication !== 'password') throw ValidationError.field('authentication', AUTHORIZE_FIRST);
    throw ValidationError.field('password', storedPassword ? PASSWORD_AGAIN : 'Enter the password.');
  }
  try {
    return { credential: await storedCredential(database, stored), reusesStored: true };
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error;
    throw ValidationError.field('authentication', error.kind === 'needs_reauthorization' ? AUTHORIZE_AGAIN : error.message);
  }
}
