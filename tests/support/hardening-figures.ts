import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const figuresDir = path.join(process.cwd(), 'tests', '.tmp', 'hardening');

/**
 * Adds to a suite's figures (corpus, faults, attacks-…) in tests/.tmp/hardening, which the
 * hardening summary sums up. Counts accumulate across test files and processes of one run.
 */
export function addFigures(name: string, counts: Record<string, number>): void {
  mkdirSync(figuresDir, { recursive: true });
  const file = path.join(figuresDir, `${name}.json`);
  let current: Record<string, number> = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch {
    current = {};
  }
  for (const [key, value] of Object.entries(counts)) current[key] = (current[key] ?? 0) + value;
  writeFileSync(file, JSON.stringify(current));
}
