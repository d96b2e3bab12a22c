import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { NotFoundError, PermissionDeniedError, ValidationError } from '@/lib/errors';
import { createProject } from '@/lib/projects/create-project';
import { getProject } from '@/lib/projects/get-project';
import { listProjectMembers } from '@/lib/projects/list-project-members';
import { listProjects } from '@/lib/projects/list-projects';
import { removeProjectMember } from '@/lib/projects/remove-project-member';
import { setProjectMember } from '@/lib/projects/set-project-member';
import { updateProject } from '@/lib/projects/update-project';
import { seedAdmin, seedProject } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let testDb: TestDatabase;
let db: Database;
let admin: Actor;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.handle.db;
  admin = await seedAdmin(db);
});
afterAll(() => testDb.drop());

describe('projects', () => {
  it('validates the key and refuses a duplicate', async () => {
    for (const key of ['s', 'sd', 'S1', 'ABCDEFGHIJK', '']) {
      await expect(createProject({ db, actor: admin, input: { key, name: 'X' } })).rejects.toBeInstanceOf(ValidationError);
    }
    await createProject({ db, actor: admin, input: { key: 'HELP', name: 'Help desk' } });
    const duplicate = await createProject({ db, actor: admin, input: { key: 'HELP', name: 'Other' } }).catch((error: unknown) => error);
    expect((duplicate as ValidationError).fieldErrors.key?.[0]).toMatch(/already used/);
  });

  it('shows agents only their projects and hides the others', async () => {
    const sd = await seedProject(db, admin, 'SD');
    const it2 = await seedProject(db, admin, 'IT');
    const visible = await listProjects({ db, actor: sd.agent });
    expect(visible.map((project) => project.key)).toEqual(['SD']);
    expect((await listProjects({ db, actor: admin })).map((project) => project.key)).toEqual(['HELP', 'IT', 'SD']);

    await expect(getProject({ db, actor: sd.agent, key: 'IT' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProject({ db, actor: sd.agent, key: 'SD', needed: 'admin' })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect((await getProject({ db, actor: sd.lead, key: 'sd', needed: 'admin' })).role).toBe('admin');

    await expect(setProjectMember({ db, actor: sd.agent, input: { projectId: sd.project.id, email: it2.agent.email, role: 'admin' } })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    await expect(updateProject({ db, actor: it2.lead, input: { projectId: sd.project.id, name: 'Hijacked' } })).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it('lets a project admin manage people and details, but never the key', async () => {
    const { project, lead, agent } = await seedProject(db, admin, 'OPS');
    await updateProject({ db, actor: lead, input: { projectId: project.id, name: 'Operations', description: 'Ops', key: 'ZZ' } });
    const reloaded = await getProject({ db, actor: lead, key: 'OPS' });
    expect(reloaded).toMatchObject({ key: 'OPS', name: 'Operations', description: 'Ops' });

    const unknown = await setProjectMember({ db, actor: lead, input: { projectId: project.id, email: 'nobody@intake.test', role: 'agent' } }).catch(
      (error: unknown) => error,
    );
    expect((unknown as ValidationError).fieldErrors.email?.[0]).toMatch(/No user/);

    await setProjectMember({ db, actor: lead, input: { projectId: project.id, email: agent.email, role: 'admin' } });
    expect((await listProjectMembers({ db, actor: lead, projectId: project.id })).map((member) => member.role)).toEqual(['admin', 'admin']);
    await removeProjectMember({ db, actor: lead, input: { projectId: project.id, userId: agent.userId } });
    await expect(getProject({ db, actor: agent, key: 'OPS' })).rejects.toBeInstanceOf(NotFoundError);
  });
});
