import { decodeEmail } from './decode-email';
import { parseInWorker } from './parse-in-worker';
import { DEFAULT_PARSE_LIMITS, type ParseLimits, type ParsedEmail } from './parsed-email';

export { DEFAULT_PARSE_LIMITS, EmailParseError } from './parsed-email';
export type { EmailAddress, ParseLimits, ParsedAttachment, ParsedEmail } from './parsed-email';

/**
 * Parses a raw customer email. Throws `EmailParseError` when the message breaks a limit
 * (too deep, too many parts, too many header bytes, too slow, too much memory); any other
 * error is a fault of the parser and worth a retry. Messages above `maxInlineBytes` are
 * parsed in a worker thread, where the time limit holds.
 */
export async function parseEmail(raw: Buffer, limits: Partial<ParseLimits> = {}): Promise<ParsedEmail> {
  const set = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  const effective: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...set };
  return raw.length > effective.maxInlineBytes ? parseInWorker(raw, effective) : decodeEmail(raw, effective);
}
