import { and, eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { projectMembers } from '@/db/schema';
import { PermissionDeniedError } from '@/lib/errors';

/** The signed-in person on whose behalf a business function runs. */
export interface Actor {
  userId: string;
  email: string;
  name: string;
  isSystemAdmin: boolean;
}

export type ProjectRole = 'admin' | 'agent';

export function requireSystemAdmin(actor: Actor | null): asserts actor is Actor {
  if (!actor?.isSystemAdmin) throw new PermissionDeniedError('Only system admins can do that.');
}

/** The actor's role in a project; system admins count as project admins everywhere. */
export async function projectRoleOf(db: Queryable, actor: Actor, projectId: string): Promise<ProjectRole | null> {
  if (actor.isSystemAdmin) return 'admin';
  const [membership] = await db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, actor.userId)));
  return membership?.role ?? null;
}

/** Refuses unless the actor holds at least `needed` in the project (admin includes agent). */
export async function requireProjectRole(db: Queryable, actor: Actor | null, projectId: string, needed: ProjectRole): Promise<ProjectRole> {
  if (!actor) throw new PermissionDeniedError();
  const role = await projectRoleOf(db, actor, projectId);
  if (role === 'admin' || (role === 'agent' && needed === 'agent')) return role;
  throw new PermissionDeniedError(needed === 'admin' ? 'Only project admins can do that.' : 'You are not a member of this project.');
}
