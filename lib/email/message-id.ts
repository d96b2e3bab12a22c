/** RFC 5322 caps a header line at 998 characters, so no real id is longer. */
const MAX_ID_LENGTH = 998;

/**
 * A long thread's References grows by one id a reply and an attacker can send thousands;
 * the newest ids are the ones that find the thread.
 */
const MAX_IDS = 100;

const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f<>]/;

/** A message id without its angle brackets, or null when it is empty or malformed. */
export function normalizeMessageId(raw: string): string | null {
  let id = raw.trim();
  if (id.startsWith('<')) {
    const end = id.indexOf('>');
    if (end < 0) return null;
    id = id.slice(1, end).trim();
  }
  if (!id || id.length > MAX_ID_LENGTH || WHITESPACE_OR_CONTROL.test(id)) return null;
  return id;
}

/** The ids of a References or In-Reply-To header, oldest first, without duplicates. */
export function parseMessageIdList(header: string): string[] {
  const bracketed = header.match(/<[^<>]*>/g);
  // Some mailers leave out the brackets; then ids are separated by whitespace or commas.
  const candidates = bracketed ?? header.split(/[\s,]+/);
  const ids = new Set<string>();
  for (const candidate of candidates) {
    const id = normalizeMessageId(candidate);
    if (id) ids.add(id);
  }
  return [...ids].slice(-MAX_IDS);
}
