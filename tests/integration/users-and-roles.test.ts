import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { PermissionDeniedError, ValidationError } from '@/lib/errors';
import { createProject } from '@/lib/projects/create-project';
import { authenticateUser } from '@/lib/users/authenticate-user';
import { createUser } from '@/lib/users/create-user';
import { hasAnyUser } from '@/lib/users/has-any-user';
import { listUsers } from '@/lib/users/list-users';
import { loadActor } from '@/lib/users/load-actor';
import { setupFirstAdmin } from '@/lib/users/setup-first-admin';
import { signInWithPassword } from '@/lib/users/sign-in-with-password';
import { updateUser } from '@/lib/users/update-user';
import { endUserSession } from '@/lib/users/user-sessions';
import { seedAdmin, seedUser, TEST_PASSWORD } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.handle.db;
});
afterAll(() => testDb.drop());

async function fieldErrorsOf(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fieldErrors;
}

describe('first run and users', () => {
  it('creates exactly one first system admin, then refuses setup', async () => {
    expect(await hasAnyUser(db)).toBe(false);
    const weak = await fieldErrorsOf(setupFirstAdmin({ db, input: { name: 'A', email: 'a@x.test', password: 'short' } }));
    expect(weak.password?.[0]).toMatch(/at least 12 characters/);
    expect(await hasAnyUser(db)).toBe(false);

    const attempts = await Promise.allSettled([
      setupFirstAdmin({ db, input: { name: 'One', email: 'one@intake.test', password: TEST_PASSWORD } }),
      setupFirstAdmin({ db, input: { name: 'Two', email: 'two@intake.test', password: TEST_PASSWORD } }),
    ]);
    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
    const refused = attempts.find((attempt) => attempt.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(PermissionDeniedError);
  });

  it('validates new users per field and refuses duplicates', async () => {
    const [admin] = await db.query.users.findMany();
    const actor = { userId: admin!.id, email: admin!.email, name: admin!.name, isSystemAdmin: true };
    const invalid = await fieldErrorsOf(createUser({ db, actor, input: { name: '', email: 'not-an-email', password: 'abcdefghijkl' } }));
    expect(Object.keys(invalid).sort()).toEqual(['email', 'name', 'password']);

    await createUser({ db, actor, input: { name: 'Bob', email: 'Bob@Intake.test', password: TEST_PASSWORD } });
    const duplicate = await fieldErrorsOf(createUser({ db, actor, input: { name: 'Bob 2', email: 'bob@intake.TEST', password: TEST_PASSWORD } }));
    expect(duplicate.email?.[0]).toMatch(/already exists/);
  });
});

describe('roles and sessions', () => {
  it('refuses admin functions to non-admins', async () => {
    const fresh = await createTestDatabase();
    try {
      const admin = await seedAdmin(fresh.handle.db);
      const agent = await seedUser(fresh.handle.db, admin, 'agent@intake.test');
      await expect(
        createUser({ db: fresh.handle.db, actor: agent, input: { name: 'X', email: 'x@intake.test', password: TEST_PASSWORD } }),
      ).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(createProject({ db: fresh.handle.db, actor: agent, input: { key: 'AB', name: 'AB' } })).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(listUsers({ db: fresh.handle.db, actor: agent })).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(listUsers({ db: fresh.handle.db, actor: null })).rejects.toBeInstanceOf(PermissionDeniedError);
    } finally {
      await fresh.drop();
    }
  });

  it('ends the sessions of a deactivated user and refuses their sign-in', async () => {
    const fresh = await createTestDatabase();
    try {
      const fdb = fresh.handle.db;
      const admin = await seedAdmin(fdb);
      const agent = await seedUser(fdb, admin, 'leaving@intake.test');
      const signedIn = await signInWithPassword(fdb, { email: 'LEAVING@intake.test', password: TEST_PASSWORD }, '192.0.2.9');
      if (!signedIn.ok) throw new Error('expected a sign-in');
      expect(signedIn.user.id).toBe(agent.userId);
      const session = { userId: agent.userId, sessionId: signedIn.sessionId };
      expect(await loadActor(fdb, session)).not.toBeNull();

      await updateUser({ db: fdb, actor: admin, input: { userId: agent.userId, name: 'leaving', isSystemAdmin: false, active: false } });
      expect(await loadActor(fdb, session)).toBeNull();
      expect(await authenticateUser(fdb, { email: 'leaving@intake.test', password: TEST_PASSWORD })).toBeNull();
      expect(await authenticateUser(fdb, { email: 'admin@intake.test', password: 'wrong password 1' })).toBeNull();
    } finally {
      await fresh.drop();
    }
  });

  it('throttles password guessing per account, even with the right password afterwards', async () => {
    const fresh = await createTestDatabase();
    try {
      await seedAdmin(fresh.handle.db);
      const attempt = (password: string, address = '192.0.2.7') => signInWithPassword(fresh.handle.db, { email: 'admin@intake.test', password }, address);
      for (let index = 0; index < 5; index++) expect(await attempt('wrong password 9')).toEqual({ ok: false, reason: 'invalid' });
      expect(await attempt(TEST_PASSWORD)).toMatchObject({ ok: false, reason: 'throttled' });
      expect(await attempt(TEST_PASSWORD, '198.51.100.1')).toMatchObject({ ok: false, reason: 'throttled' });
    } finally {
      await fresh.drop();
    }
  });

  it("ends on sign-out the one session signed out, on the server, while the user's other sessions go on", async () => {
    const fresh = await createTestDatabase();
    try {
      const fdb = fresh.handle.db;
      const agent = await seedUser(fdb, await seedAdmin(fdb), 'two-laptops@intake.test');
      const signIn = async () => {
        const result = await signInWithPassword(fdb, { email: agent.email, password: TEST_PASSWORD }, '192.0.2.10');
        if (!result.ok) throw new Error('expected a sign-in');
        return { userId: agent.userId, sessionId: result.sessionId };
      };
      const [office, home] = [await signIn(), await signIn()];
      await endUserSession(fdb, office);
      expect(await loadActor(fdb, office)).toBeNull();
      expect(await loadActor(fdb, home)).toMatchObject({ userId: agent.userId });
      expect(await loadActor(fdb, { userId: agent.userId, sessionId: 'not-a-session' })).toBeNull();
    } finally {
      await fresh.drop();
    }
  });

  it('keeps at least one active system admin', async () => {
    const fresh = await createTestDatabase();
    try {
      const admin = await seedAdmin(fresh.handle.db);
      const errors = await fieldErrorsOf(
        updateUser({ db: fresh.handle.db, actor: admin, input: { userId: admin.userId, name: 'Ada', isSystemAdmin: false, active: true } }),
      );
      expect(errors.isSystemAdmin?.[0]).toMatch(/at least one active system admin/);
    } finally {
      await fresh.drop();
    }
  });
});
