import { asc } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { users } from '@/db/schema';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';

export async function listUsers({ db, actor }: { db: Queryable; actor: Actor | null }) {
  requireSystemAdmin(actor);
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      isSystemAdmin: users.isSystemAdmin,
      active: users.active,
      lastSignInAt: users.lastSignInAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .orderBy(asc(users.email));
}
