/** Header bytes read before the body; headers beyond this are the parser's problem. */
const HEADER_SCAN_BYTES = 256 * 1024;

/**
 * A few header fields read straight from the raw bytes — enough to store and de-duplicate a
 * message before (and whether or not) it can be parsed.
 */
export function readHeaderFields(raw: Buffer, names: readonly string[]): Record<string, string | null> {
  const head = raw.subarray(0, HEADER_SCAN_BYTES).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
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
