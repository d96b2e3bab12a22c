import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { isUuid } from '@/lib/validation';
import { touchUserSession } from './user-sessions';

/**
 * Turns a session's claims into an actor, re-read from the database on every request so
 * that sign-out, deactivation and role changes take effect at once.
 */
export async function loadActor(db: Queryable, session: { userId: string; sessionId: string }): Promise<Actor | null> {
  if (!isUuid(session.userId) || !isUuid(session.sessionId)) return null;
  if (!(await touchUserSession(db, session))) return null;
  const [user] = await db.select().from(users).where(eq(users.id, session.userId));
  if (!user?.active) return null;
  return { userId: user.id, email: user.email, name: user.name, isSystemAdmin: user.isSystemAdmin };
}
