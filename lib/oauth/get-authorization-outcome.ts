import { and, eq, isNotNull } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { oauthAuthorizations } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { isUuid } from '@/lib/validation';

/**
 * How the actor's own authorization ended, for the page the flow returned to; null for anyone
 * else's. A refused one keeps what the form held (its draft, which never holds a secret), so
 * the admin corrects it instead of typing it all again.
 */
export async function getAuthorizationOutcome({ db, actor, authorizationId }: { db: Queryable; actor: Actor | null; authorizationId: string }) {
  if (!actor || !isUuid(authorizationId)) return null;
  const [row] = await db
    .select({
      outcome: oauthAuthorizations.outcome,
      message: oauthAuthorizations.outcomeMessage,
      mailboxId: oauthAuthorizations.resultMailboxId,
      draft: oauthAuthorizations.draft,
    })
    .from(oauthAuthorizations)
    .where(and(eq(oauthAuthorizations.id, authorizationId), eq(oauthAuthorizations.userId, actor.userId), isNotNull(oauthAuthorizations.outcome)));
  if (!row) return null;
  const ok = row.outcome === 'succeeded';
  return { ok, message: row.message ?? '', mailboxId: row.mailboxId, draft: ok ? null : row.draft };
}
