import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '@/lib/runtime/backoff-delay';

describe('backoffDelayMs', () => {
  it('doubles the base for each step, up to the maximum', () => {
    expect(backoffDelayMs(1_000, 0, 60_000)).toBe(1_000);
    expect(backoffDelayMs(1_000, 3, 60_000)).toBe(8_000);
    expect(backoffDelayMs(1_000, 6, 60_000)).toBe(60_000);
  });

  it('stays finite however long the run of failures', () => {
    expect(backoffDelayMs(30_000, 10_000, 3_600_000)).toBe(3_600_000);
    expect(backoffDelayMs(30_000, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY)).toBeLessThan(Number.POSITIVE_INFINITY);
  });
});
