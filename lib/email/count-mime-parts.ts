const BOUNDARY_PARAMETER = /boundary\s*=\s*(?:"([^"\r\n]*)"|([^\s;"]+))/gi;
const DELIMITER_LINE = /^--([^\r\n]*)/gm;

/**
 * How many MIME parts a message has, read from the raw bytes before it is parsed, so that
 * a message of ten thousand parts is refused before ten thousand parts are built. A part
 * starts at every `--boundary` line of a boundary that some Content-Type declares; a
 * closing `--boundary--` starts none.
 */
export function countMimeParts(raw: Buffer): number {
  // latin1 maps each byte to one character: boundaries compare byte for byte, as in the parser.
  const text = raw.toString('latin1');
  const boundaries = new Set<string>();
  for (const [, quoted, token] of text.matchAll(BOUNDARY_PARAMETER)) boundaries.add(quoted ?? token ?? '');
  if (boundaries.size === 0) return 1;
  let parts = 1;
  for (const [, rest = ''] of text.matchAll(DELIMITER_LINE)) {
    if (boundaries.has(rest.trimEnd())) parts++;
  }
  return parts;
}
