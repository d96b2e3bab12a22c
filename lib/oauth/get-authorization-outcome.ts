import { and, eq, isNotNull } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { oauthAuthorizations } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { isUuid } from '@/lib/validation';

/** How the actor's own authorization ended, for the page the flow returned to; null for anyone else's. */
export async function getAuthorizationOutcome({ db, actor, authorizationId }: { db: Queryable; actor: Actor | null; authorizationId: string }) {
  if (!actor || !isUuid(authorizationId)) return null;
  const [row] = await db
    .select({ outcome: oauthAuthorizations.outcome, message: oauthAuthorizations.outcomeMessage, mailboxId: oauthAuthorizations.resultMailboxId })
    .from(oauthAuthorizations)
    .where(and(eq(oauthAuthorizations.id, authorizationId), eq(oauthAuthorizations.userId, actor.userId), isNotNull(oauthAuthorizations.outcome)));
  return row ? { ok: row.outcome === 'succeeded', message: row.message ?? '', mailboxId: row.mailboxId } : null;
}
