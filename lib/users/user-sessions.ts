import { and, eq, lt, ne, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { userSessions } from '@/db/schema';

/** Sessions last a working day, sliding: each use renews them. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

const unusedTooLong = sql`now() - make_interval(secs => ${SESSION_MAX_AGE_SECONDS})`;

/** Opens a session for a user who just proved who they are, and forgets sessions long unused. */
export async function startUserSession(db: Queryable, userId: string): Promise<string> {
  await db.delete(userSessions).where(lt(userSessions.lastSeenAt, unusedTooLong));
  const [session] = await db.insert(userSessions).values({ userId }).returning({ id: userSessions.id });
  return session!.id;
}

/**
 * Whether the session is still open; renews it when it was last renewed more than a minute ago,
 * so an active session writes once a minute rather than on every request.
 */
export async function touchUserSession(db: Queryable, session: { userId: string; sessionId: string }): Promise<boolean> {
  const [row] = await db
    .select({ stale: sql<boolean>`${userSessions.lastSeenAt} < now() - interval '1 minute'` })
    .from(userSessions)
    .where(and(eq(userSessions.id, session.sessionId), eq(userSessions.userId, session.userId), sql`${userSessions.lastSeenAt} >= ${unusedTooLong}`));
  if (!row) return false;
  if (row.stale) await db.update(userSessions).set({ lastSeenAt: sql`now()` }).where(eq(userSessions.id, session.sessionId));
  return true;
}

/** Sign-out: the cookie, and every copy of it, stops working. */
export async function endUserSession(db: Queryable, session: { userId: string; sessionId: string }): Promise<void> {
  await db.delete(userSessions).where(and(eq(userSessions.id, session.sessionId), eq(userSessions.userId, session.userId)));
}

/** Deactivation, demotion or a new password: every session of the user ends. */
export async function endAllUserSessions(db: Queryable, userId: string): Promise<void> {
  await db.delete(userSessions).where(eq(userSessions.userId, userId));
}

/** A new password set by the user themself: every session but the one they set it in ends. */
export async function endOtherUserSessions(db: Queryable, userId: string, keepSessionId: string): Promise<void> {
  await db.delete(userSessions).where(and(eq(userSessions.userId, userId), ne(userSessions.id, keepSessionId)));
}
