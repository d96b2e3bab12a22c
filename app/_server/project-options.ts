import type { Queryable } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { listProjects } from '@/lib/projects/list-projects';

export async function projectOptions(db: Queryable, actor: Actor) {
  const projects = await listProjects({ db, actor });
  return projects.map((project) => ({ value: project.id, label: `${project.key} · ${project.name}` }));
}
