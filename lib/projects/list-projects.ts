import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { projectMembers, projects } from '@/db/schema';
import type { Actor, ProjectRole } from '@/lib/auth/actor';
import { PermissionDeniedError } from '@/lib/errors';

export interface ProjectSummary {
  id: string;
  key: string;
  name: string;
  description: string;
  role: ProjectRole;
}

/** The projects the actor works in; system admins see every project. */
export async function listProjects({ db, actor }: { db: Queryable; actor: Actor | null }): Promise<ProjectSummary[]> {
  if (!actor) throw new PermissionDeniedError();
  const columns = { id: projects.id, key: projects.key, name: projects.name, description: projects.description };
  if (actor.isSystemAdmin) {
    const rows = await db.select(columns).from(projects).orderBy(asc(projects.key));
    return rows.map((row) => ({ ...row, role: 'admin' as const }));
  }
  return db
    .select({ ...columns, role: projectMembers.role })
    .from(projects)
    .innerJoin(projectMembers, eq(projectMembers.projectId, projects.id))
    .where(eq(projectMembers.userId, actor.userId))
    .orderBy(asc(projects.key));
}
