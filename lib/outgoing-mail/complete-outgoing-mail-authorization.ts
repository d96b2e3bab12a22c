import { requireSystemAdmin } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import type { GrantOutcome, GrantToStore } from '@/lib/oauth/complete-oauth-callback';
import { normalizeEmailAddress } from '@/lib/oauth/mailbox-domains';
import type { OutgoingMailDraft } from './outgoing-mail-schema';
import { connectionOf, loadOutgoingMailServer, storedSettingsOf } from './outgoing-mail-server';
import { assertOutgoingMailIntegration, storeOutgoingMailServer } from './save-outgoing-mail-server';
import { checkOutgoingMail } from './send-test-email';

/**
 * Stores the outgoing mail server's grant the callback brought back: the account that signed in
 * must be the Username the settings name, at a domain the integration allows, and the SMTP server
 * must accept the new token — otherwise nothing is stored. A re-authorization keeps the settings.
 */
export async function storeOutgoingMailGrant({ database, actor, completed: { authorization, email, tokens } }: GrantToStore): Promise<GrantOutcome> {
  // Roles may have changed while the admin was away at the provider.
  requireSystemAdmin(actor);
  const stored = await loadOutgoingMailServer(database.db);
  const settings = (authorization.draft as OutgoingMailDraft | null) ?? (stored ? storedSettingsOf(stored) : null);
  if (!settings || settings.authentication !== authorization.integrationId)
    return { ok: false, message: 'The outgoing mail settings changed while you were at the provider. Nothing was saved; start again.' };
  const integration = await assertOutgoingMailIntegration(database, settings);
  const account = normalizeEmailAddress(settings.username);
  if (email !== account)
    return {
      ok: false,
      message: `You signed in as ${email}, but outgoing mail signs in as ${settings.username}. Sign in to the provider as ${settings.username}, or change the Username. Nothing was saved.`,
    };

  const test = await checkOutgoingMail(connectionOf(settings, { kind: 'oauth', accessToken: tokens.accessToken }), null);
  const failed = test.steps.find((step) => !step.ok);
  if (failed) return { ok: false, message: `You signed in as ${email}, but ${failed.step} failed: ${failed.detail} Nothing was saved.` };

  const box = getSecretBox();
  // A provider need not send a new refresh token on re-authorization; the old one still serves the same grant.
  const sameGrant = stored?.authMethod === 'oauth' && stored.integrationId === integration.id && stored.authorizedEmail === email;
  await database.db.transaction((tx) =>
    storeOutgoingMailServer(tx, {
      actor,
      settings,
      credential: {
        authMethod: 'oauth',
        password: null,
        integrationId: integration.id,
        accessToken: box.seal(tokens.accessToken, SECRET_PURPOSE.outgoingMailAccessToken),
        accessTokenExpiresAt: tokens.expiresAt,
        ...(tokens.refreshToken
          ? { refreshToken: box.seal(tokens.refreshToken, SECRET_PURPOSE.outgoingMailRefreshToken) }
          : sameGrant
            ? {}
            : { refreshToken: null }),
        tokenVersion: (stored?.tokenVersion ?? 0) + 1,
        authorizedEmail: email,
        authorizedAt: new Date(),
        status: 'active',
        statusMessage: null,
      },
      action: stored?.authMethod === 'oauth' ? 'outgoing_mail.reauthorize' : stored ? 'outgoing_mail.update' : 'outgoing_mail.create',
    }),
  );
  return {
    ok: true,
    message: `Outgoing mail server saved: Intake signs in to ${settings.host} as ${email} with OAuth 2.0. Alerts and notifications go out through it.`,
  };
}
