import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { projectMembers, users } from '@/db/schema';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';

export async function listProjectMembers({ db, actor, projectId }: { db: Queryable; actor: Actor | null; projectId: string }) {
  await requireProjectRole(db, actor, projectId, 'agent');
  return db
    .select({ userId: users.id, email: users.email, name: users.name, active: users.active, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(projectMembers.role), asc(users.email));
}
