import { appendFileSync } from 'node:fs';

/**
 * The test runner names a file here (INTAKE_TEST_SECRET_LEDGER); every password, client secret,
 * code and token the harness creates is appended to it, so that after the whole run the logs
 * can be searched for any of them.
 */
export function recordSecret(value: string | undefined): void {
  const ledger = process.env.INTAKE_TEST_SECRET_LEDGER;
  if (!ledger || !value || value.length < 8) return;
  appendFileSync(ledger, `${value}\n`);
}
