import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { outgoingMailServer } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { ValidationError } from '@/lib/errors';
import type { SmtpEndpoint, SmtpLogin } from '@/lib/mail/smtp/smtp-transport';
import { PASSWORD_AGAIN } from '@/lib/mailboxes/mailbox-connection';
import type { OutgoingMailSettings } from './outgoing-mail-schema';

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

export function connectionOf(settings: Omit<OutgoingMailSettings, 'password'>, password: string): OutgoingMailConnection {
  return {
    endpoint: { host: settings.host, port: settings.port, security: settings.security },
    login: { username: settings.username, credential: { kind: 'password', password } },
    fromAddress: settings.fromAddress,
  };
}

/** The stored server, its password opened; null when none is configured (notifications are off). */
export async function storedOutgoingMailConnection(db: Queryable): Promise<OutgoingMailConnection | null> {
  const row = await loadOutgoingMailServer(db);
  return row ? connectionOf(row, getSecretBox().open(row.password, SECRET_PURPOSE.outgoingMailPassword)) : null;
}

const sameHost = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The password for typed settings: the typed one, or the stored one while the settings still
 * reach the server and user it was given for (the rule mailboxes follow, see reachesStoredServer).
 */
export function passwordFor(stored: OutgoingMailServerRow | null, settings: OutgoingMailSettings): { password: string; reusesStored: boolean } {
  if (settings.password) return { password: settings.password, reusesStored: false };
  const reachesStored =
    stored !== null &&
    sameHost(stored.host, settings.host) &&
    stored.port === settings.port &&
    stored.security === settings.security &&
    stored.username === settings.username;
  if (!reachesStored) throw ValidationError.field('password', stored ? PASSWORD_AGAIN : 'Enter the password.');
  return { password: getSecretBox().open(stored.password, SECRET_PURPOSE.outgoingMailPassword), reusesStored: true };
}
