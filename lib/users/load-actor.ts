import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';

/**
 * Turns a session's claims into an actor, re-read from the database on every request so
 * that deactivation and role changes take effect at once.
 */
export async function loadActor(
  db: Queryable,
  session: { userId: string; sessionVersion: number },
): Promise<Actor | null> {
  const [user] = await db.select().from(users).where(eq(users.id, session.userId));
  if (!user || !user.active || user.sessionVersion !== session.sessionVersion) return null;
  return { userId: user.id, email: user.email, name: user.name, isSystemAdmin: user.isSystemAdmin };
}
