import { eq } from 'drizzle-orm';
import type { DatabaseHandle, Queryable } from '@/db/client';
import { oauthIntegrations, outgoingMailServer } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { ValidationError } from '@/lib/errors';
import { assertIntegrationMailHosts } from '@/lib/oauth/integration-mail-hosts';
import { isDomainAllowed } from '@/lib/oauth/mailbox-domains';
import { type StartedAuthorization, startAuthorization } from '@/lib/oauth/start-authorization';
import { parseInput } from '@/lib/validation';
import { type OutgoingMailDraft, outgoingMailSettingsSchema } from './outgoing-mail-schema';
import { connectionOf, credentialFor, loadOutgoingMailServer, reachesStoredCredential } from './outgoing-mail-server';
import { checkOutgoingMail, type OutgoingMailTestResult } from './send-test-email';

export type SaveOutgoingMailResult =
  | { outcome: 'saved'; test: OutgoingMailTestResult }
  | { outcome: 'sign_in_failed'; test: OutgoingMailTestResult }
  /** The account must sign in at the provider; the settings are saved when it comes back. */
  | { outcome: 'authorize'; authorization: StartedAuthorization };

/** Where the outgoing mail page lives: the authorization flow comes back to it. */
export const OUTGOING_MAIL_PATH = '/admin/system/outgoing-mail';

type CredentialColumns = Partial<Omit<typeof outgoingMailServer.$inferInsert, 'id' | keyof OutgoingMailDraft>>;

/** Writes the single outgoing mail server row and its audit entry; the credential columns say how it signs in. */
export async function storeOutgoingMailServer(
  db: Queryable,
  { actor, settings, credential, action }: { actor: Actor; settings: OutgoingMailDraft; credential: CredentialColumns; action: string },
): Promise<void> {
  const { authentication: _authentication, ...typed } = settings;
  const columns = { ...typed, ...credential, updatedBy: actor.userId, updatedAt: new Date() };
  await db
    .insert(outgoingMailServer)
    .values({ id: 'system', ...columns })
    .onConflictDoUpdate({ target: outgoingMailServer.id, set: columns });
  await recordAudit(db, {
    actor,
    action,
    targetType: 'outgoing_mail_server',
    targetId: 'system',
    details: { ...typed, authentication: settings.authentication === 'password' ? 'password' : 'oauth' },
  });
}

/**
 * An OAuth 2.0 account must be one the integration may authorize, and its tokens go only to the
 * provider's own mail servers.
 */
export async function assertOutgoingMailIntegration(database: DatabaseHandle, settings: OutgoingMailDraft): Promise<typeof oauthIntegrations.$inferSelect> {
  const [integration] = await database.db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, settings.authentication));
  if (!integration) throw ValidationError.field('authentication', 'This OAuth 2.0 integration no longer exists.');
  if (!isDomainAllowed(settings.username, integration.mailboxDomains)) {
    throw ValidationError.field(
      'username',
      `Enter the email address of the account that sends; the integration “${integration.name}” may authorize only accounts at ${integration.mailboxDomains.join(', ')}.`,
    );
  }
  await assertIntegrationMailHosts(database, integration.id, { host: settings.host });
  return integration;
}

/**
 * Saves the outgoing mail server once Intake could sign in with it, so a stored server is one
 * that worked: alerts are not left to fail at night on a typo. With OAuth 2.0 the account signs
 * in at the provider first, unless the settings still reach the account already authorized.
 */
export async function saveOutgoingMailServer({
  database,
  actor,
  input,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  input: unknown;
}): Promise<SaveOutgoingMailResult> {
  requireSystemAdmin(actor);
  const typed = parseInput(outgoingMailSettingsSchema, input);
  const { password: _password, ...settings } = typed;
  const stored = await loadOutgoingMailServer(database.db);
  const usesOAuth = settings.authentication !== 'password';
  if (usesOAuth) {
    await assertOutgoingMailIntegration(database, settings);
    if (!reachesStoredCredential(stored, settings) || stored.status === 'needs_reauthorization') {
      const authorization = await startAuthorization({
        db: database.db,
        actor,
        integrationId: settings.authentication,
        target: 'outgoing_mail',
        draft: settings,
        loginHint: settings.username,
        returnTo: OUTGOING_MAIL_PATH,
      });
      return { outcome: 'authorize', authorization };
    }
  }
  const { credential } = await credentialFor(database, stored, typed);
  const test = await checkOutgoingMail(connectionOf(settings, credential), null);
  if (!test.ok) return { outcome: 'sign_in_failed', test };
  await database.db.transaction((tx) =>
    storeOutgoingMailServer(tx, {
      actor,
      settings,
      // An OAuth 2.0 server that reached here keeps its grant; only the settings around it change.
      credential:
        credential.kind === 'password'
          ? {
              authMethod: 'password',
              password: getSecretBox().seal(credential.password, SECRET_PURPOSE.outgoingMailPassword),
              integrationId: null,
              accessToken: null,
              accessTokenExpiresAt: null,
              refreshToken: null,
              authorizedEmail: null,
              authorizedAt: null,
              status: 'active',
              statusMessage: null,
            }
          : { authMethod: 'oauth', integrationId: settings.authentication },
      action: stored ? 'outgoing_mail.update' : 'outgoing_mail.create',
    }),
  );
  return { outcome: 'saved', test };
}
