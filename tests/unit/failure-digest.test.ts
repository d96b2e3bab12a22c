import { describe, expect, it } from 'vitest';
import { failureDigest } from '../support/failure-digest';

const vitestOutput = [
  '\u001b[31m ❯ \u001b[39m unit  tests/unit/sample.test.ts (2 tests | 1 failed) 8ms',
  '     × fails on purpose 6ms',
  '⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯',
  '',
  '\u001b[41m\u001b[1m FAIL \u001b[22m\u001b[49m  unit  tests/unit/sample.test.ts > digest sample > fails on purpose',
  '\u001b[31mAssertionError: expected 1 to be 2 // Object.is equality\u001b[39m',
  '',
  ' Test Files  1 failed (1)',
].join('\n');

const playwrightOutput = [
  '  ✘  3 tests/e2e/03-email-channel.spec.ts:40:1 › a project admin connects a mailbox (12.1s)',
  '',
  '  1) tests/e2e/03-email-channel.spec.ts:40:1 › a project admin connects a mailbox ──────────',
  '',
  '    Error: Timed out 10000ms waiting for expect(locator).toBeVisible()',
  '',
  '  1 failed',
].join('\n');

describe('failureDigest', () => {
  it('names each failing vitest test with its error, without colour codes', () => {
    expect(failureDigest(vitestOutput)).toEqual([
      'FAIL   unit  tests/unit/sample.test.ts > digest sample > fails on purpose',
      '    AssertionError: expected 1 to be 2 // Object.is equality',
    ]);
  });

  it('names each failing Playwright test with its error', () => {
    expect(failureDigest(playwrightOutput)).toEqual([
      '1) tests/e2e/03-email-channel.spec.ts:40:1 › a project admin connects a mailbox ──────────',
      '    Error: Timed out 10000ms waiting for expect(locator).toBeVisible()',
    ]);
  });

  it('reports unhandled errors, which fail a vitest run without a failing test', () => {
    const output = '⎯⎯⎯⎯ Unhandled Rejection ⎯⎯⎯⎯\nError: connection terminated unexpectedly\n';
    expect(failureDigest(output)).toEqual(['⎯⎯⎯⎯ Unhandled Rejection ⎯⎯⎯⎯', '    Error: connection terminated unexpectedly']);
  });

  it('says nothing for a passing run', () => {
    expect(failureDigest(' Test Files  3 passed (3)\n      Tests  12 passed (12)\n')).toEqual([]);
  });
});
