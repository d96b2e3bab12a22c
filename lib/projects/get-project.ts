import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { projects } from '@/db/schema';
import { type Actor, type ProjectRole, requireProjectRole } from '@/lib/auth/actor';
import { NotFoundError, PermissionDeniedError } from '@/lib/errors';

/**
 * A project by its key, with the actor's role in it. A project the actor may not see is
 * reported as not found, so keys of other teams' projects do not leak.
 */
export async function getProject({ db, actor, key, needed = 'agent' }: { db: Queryable; actor: Actor | null; key: string; needed?: ProjectRole }) {
  const [project] = await db.select().from(projects).where(eq(projects.key, key.toUpperCase()));
  if (!project) throw new NotFoundError('The project');
  try {
    const role = await requireProjectRole(db, actor, project.id, needed);
    return { ...project, role };
  } catch (error) {
    if (error instanceof PermissionDeniedError && needed === 'agent') throw new NotFoundError('The project');
    throw error;
  }
}
