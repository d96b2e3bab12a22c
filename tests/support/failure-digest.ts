const MAX_DIGEST_LINES = 40;

/**
 * Vitest's "FAIL <file> > <test>" lines, Playwright's numbered "1) <file> › <test>" headings and
 * vitest's unhandled errors, each followed by the first line that states the error.
 */
export function failureDigest(output: string): string[] {
  const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const digest: string[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < lines.length && digest.length < MAX_DIGEST_LINES; index += 1) {
    const line = lines[index]!.trimEnd();
    const heading = /^\s*FAIL\s+\S/.test(line) || /^\s+\d+\) \S.*›/.test(line) || /Unhandled (Error|Rejection)/.test(line);
    if (!heading || seen.has(line.trim())) continue;
    seen.add(line.trim());
    digest.push(line.trim());
    const cause = lines.slice(index + 1, index + 12).find((next) => /\b(\w*Error|expected|Timed out|timeout)\b/i.test(next));
    if (cause) digest.push(`    ${cause.trim().slice(0, 300)}`);
  }
  return digest;
}
