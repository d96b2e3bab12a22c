/** Header bytes read before the body; headers beyond this are the parser's problem. */
const HEADER_SCAN_BYTES = 256 * 1024;

/**
 * A few header fields read straight from the raw bytes — enough to store and de-duplicate a
 * message before (and whether or not) it can be parsed.
 */
export function readHeaderFields(raw: Buffer, names: readonly string[]): Record<string, string | null> {
  // Only the header block, up to the blank line, becomes a string: not the body after it.
  const scanned = raw.subarray(0, HEADER_SCAN_BYTES);
  const blankLine = [scanned.indexOf('\n\n'), scanned.indexOf('\n\r\n')].filter((at) => at >= 0);
  const head = scanned.subarray(0, blankLine.length > 0 ? Math.min(...blankLine) + 1 : scanned.length).toString('latin1');
  const block = head.replace(/\r?\n[ \t]+/g, ' ');
  const wanted = new Map(names.map((name) => [name.toLowerCase(), name]));
  const found: Record<string, string | null> = Object.fromEntries(names.map((name) => [name, null]));
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = wanted.get(line.slice(0, colon).trim().toLowerCase());
    if (name && found[name] === null) found[name] = line.slice(colon + 1).trim();
  }
  return found;
}
