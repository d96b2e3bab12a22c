import { inject } from 'vitest';
import { attachHarness, type Harness } from '../harness';

/** The harness the integration globalSetup started, usable from any test file. */
export function useHarness(): Promise<Harness> {
  return attachHarness(inject('harness'));
}
