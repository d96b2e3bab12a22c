import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { oauthAuthorizations } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { PermissionDeniedError, ValidationError } from '@/lib/errors';
import { storeMailboxGrant } from '@/lib/mailboxes/complete-mailbox-authorization';
import { storeOutgoingMailGrant } from '@/lib/outgoing-mail/complete-outgoing-mail-authorization';
import { AuthorizationRejectedError, type CompletedAuthorization, completeAuthorization } from './complete-authorization';

/** What storing a grant came to, in words for the page the flow returns to. */
export interface GrantOutcome {
  ok: boolean;
  message: string;
  /** The mailbox created or re-authorized, for a mailbox grant. */
  mailboxId?: string | null;
}

/** A grant the provider vouched for, handed to whatever it was for. */
export interface GrantToStore {
  database: DatabaseHandle;
  actor: Actor | null;
  completed: CompletedAuthorization;
}

export interface AuthorizationCallbackResult {
  authorizationId: string | null;
  returnTo: string | null;
  ok: boolean;
  message: string;
}

/**
 * `/oauth/callback/<integrationId>`: validates the provider's answer (completeAuthorization),
 * then stores the grant where the authorization said it belongs — a mailbox or the outgoing mail
 * server — and records the outcome, shown once on the page the flow returns to.
 */
export async function completeOAuthCallback({
  database,
  actor,
  integrationId,
  callbackParameters,
  browserBindingFor,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  integrationId: string;
  callbackParameters: URLSearchParams;
  browserBindingFor: (authorizationId: string) => string | undefined;
}): Promise<AuthorizationCallbackResult> {
  let authorizationId: string | null = null;
  let returnTo: string | null = null;
  const finish = async ({ ok, message, mailboxId = null }: GrantOutcome) => {
    if (authorizationId) {
      await database.db
        .update(oauthAuthorizations)
        .set({ outcome: ok ? 'succeeded' : 'rejected', outcomeMessage: message, resultMailboxId: mailboxId })
        .where(eq(oauthAuthorizations.id, authorizationId));
    }
    return { authorizationId, returnTo, ok, message };
  };

  try {
    const completed = await completeAuthorization({ db: database.db, actor, integrationId, callbackParameters, browserBindingFor });
    authorizationId = completed.authorization.id;
    returnTo = completed.authorization.returnTo;
    const store = completed.authorization.target === 'outgoing_mail' ? storeOutgoingMailGrant : storeMailboxGrant;
    return finish(await store({ database, actor, completed }));
  } catch (error) {
    if (error instanceof AuthorizationRejectedError) {
      returnTo ??= error.returnTo;
      authorizationId ??= error.authorizationId;
      return finish({ ok: false, message: error.message });
    }
    if (error instanceof PermissionDeniedError) return finish({ ok: false, message: `${error.message} Nothing was saved.` });
    // No form is on screen to highlight fields in: the problems themselves are the message.
    if (error instanceof ValidationError)
      return finish({ ok: false, message: `${Object.values(error.fieldErrors).flat().join(' ') || error.message} Nothing was saved.` });
    throw error;
  }
}
