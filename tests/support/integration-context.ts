import { afterAll, beforeAll } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import type { Harness } from '../harness';
import { seedAdmin } from './fixtures';
import { useHarness } from './harness';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface IntegrationContext {
  harness: Harness;
  testDb: TestDatabase;
  database: DatabaseHandle;
  admin: Actor;
}

/** A test file's own database with a first system admin, and the shared mail harness. */
export function setupIntegration(): IntegrationContext {
  const context = {} as IntegrationContext;
  beforeAll(async () => {
    context.harness = await useHarness();
    context.testDb = await createTestDatabase();
    context.database = context.testDb.handle;
    context.admin = await seedAdmin(context.database.db);
  });
  afterAll(() => context.testDb?.drop());
  return context;
}
