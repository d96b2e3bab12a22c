import type { Database } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { createProject } from '@/lib/projects/create-project';
import { setProjectMember } from '@/lib/projects/set-project-member';
import { createUser } from '@/lib/users/create-user';
import { setupFirstAdmin } from '@/lib/users/setup-first-admin';

export const TEST_PASSWORD = 'correct horse 42 battery';

export async function seedAdmin(db: Database): Promise<Actor> {
  const admin = await setupFirstAdmin({ db, input: { name: 'Ada Admin', email: 'admin@intake.test', password: TEST_PASSWORD } });
  return { userId: admin.id, email: admin.email, name: 'Ada Admin', isSystemAdmin: true };
}

export async function seedUser(db: Database, admin: Actor, email: string): Promise<Actor> {
  const user = await createUser({ db, actor: admin, input: { name: email.split('@')[0], email, password: TEST_PASSWORD } });
  return { userId: user.id, email: user.email, name: user.name, isSystemAdmin: false };
}

/** A project with one project admin and one agent. */
export async function seedProject(db: Database, admin: Actor, key = 'SD') {
  const project = await createProject({ db, actor: admin, input: { key, name: `${key} desk` } });
  const lead = await seedUser(db, admin, `lead.${key.toLowerCase()}@intake.test`);
  const agent = await seedUser(db, admin, `agent.${key.toLowerCase()}@intake.test`);
  await setProjectMember({ db, actor: admin, input: { projectId: project.id, email: lead.email, role: 'admin' } });
  await setProjectMember({ db, actor: admin, input: { projectId: project.id, email: agent.email, role: 'agent' } });
  return { project, lead, agent };
}
