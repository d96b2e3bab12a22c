import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { users } from '@/db/schema';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { NotFoundError } from '@/lib/errors';
import { isUuid } from '@/lib/validation';

export async function getUser({ db, actor, userId }: { db: Queryable; actor: Actor | null; userId: string }) {
  requireSystemAdmin(actor);
  if (!isUuid(userId)) throw new NotFoundError('The user');
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name, isSystemAdmin: users.isSystemAdmin, active: users.active })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) throw new NotFoundError('The user');
  return user;
}
