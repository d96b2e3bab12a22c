import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Searches every log of a test run for the secrets the run created or used. Returns
 * `file: secret prefix…` for each hit; a secret is never printed whole.
 */
export function scanLogsForSecrets(logDir: string, secrets: Iterable<string>): string[] {
  const wanted = [...new Set([...secrets].filter((secret) => secret.length >= 8))];
  if (!existsSync(logDir)) return [];
  const hits: string[] = [];
  for (const file of readdirSync(logDir)) {
    const text = readFileSync(path.join(logDir, file), 'utf8');
    for (const secret of wanted) {
      if (text.includes(secret)) hits.push(`${file}: ${secret.slice(0, 4)}…`);
    }
  }
  return hits;
}
