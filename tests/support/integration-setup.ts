import type { TestProject } from 'vitest/node';
import { type HarnessInfo, startHarness } from '../harness';
import { testDatabaseKind } from './test-database';

declare module 'vitest' {
  export interface ProvidedContext {
    harness: HarnessInfo;
  }
}

/** Runs once per integration pass: one mail + OAuth harness shared by every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = testDatabaseKind();
  console.log(`Integration tests run on ${kind === 'postgres' ? 'PostgreSQL (TEST_DATABASE_URL)' : 'embedded PGlite'}.`);
  const harness = await startHarness();
  project.provide('harness', harness.info);
  return () => harness.stop();
}
