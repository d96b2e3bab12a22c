import type { Database } from '@/db/client';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { type StartedAuthorization, startAuthorization } from '@/lib/oauth/start-authorization';
import { loadOutgoingMailServer } from './outgoing-mail-server';
import { OUTGOING_MAIL_PATH } from './save-outgoing-mail-server';

/** Authorize, on a stored OAuth 2.0 outgoing mail server: the same account signs in again, the settings stay. */
export async function reauthorizeOutgoingMail({ db, actor }: { db: Database; actor: Actor | null }): Promise<StartedAuthorization> {
  requireSystemAdmin(actor);
  const stored = await loadOutgoingMailServer(db);
  if (stored?.authMethod !== 'oauth' || !stored.integrationId) throw new ValidationError({}, 'Outgoing mail does not sign in with OAuth 2.0.');
  return startAuthorization({
    db,
    actor,
    integrationId: stored.integrationId,
    target: 'outgoing_mail',
    loginHint: stored.username,
    returnTo: OUTGOING_MAIL_PATH,
  });
}
