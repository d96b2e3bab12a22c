/**
 * The shape of a parsed customer email, shared by the calling thread and the parse worker.
 * Kept apart from `parse-email.ts` so that the worker can load it without the worker pool.
 */

export interface EmailAddress {
  /** Lower-cased, domain in punycode. */
  address: string;
  name: string;
}

export interface ParsedAttachment {
  /** Safe to show and to use as a download name: no directories, control or bidi characters. */
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  /** Without angle brackets; what `data-cid` in the sanitized HTML refers to. */
  contentId: string | null;
  /** Shown inside the HTML body (a `cid:` image) rather than listed as a file. */
  inline: boolean;
}

export interface ParsedEmail {
  /** Without angle brackets; null when missing or syntactically broken. */
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  /** One line of at most 998 characters. */
  subject: string;
  /** Exactly one plausible sender, else null: the header may be forged (Mailsploit). */
  from: EmailAddress | null;
  replyTo: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  date: Date | null;
  /** The text/plain body, or text derived from the HTML body. */
  text: string;
  /** The HTML body after `sanitizeEmailHtml`. */
  html: string | null;
  attachments: ParsedAttachment[];
  /** First occurrence of each header, lower-cased and trimmed: what loop detection reads. */
  headers: {
    autoSubmitted: string | null;
    precedence: string | null;
    listId: string | null;
    returnPath: string | null;
    xAutoreply: string | null;
    xAutorespond: string | null;
    xAutoResponseSuppress: string | null;
    contentType: string;
  };
}

/** A message Intake refuses to parse; `reason` is a short phrase for the Email log. */
export class EmailParseError extends Error {
  constructor(readonly reason: string) {
    super(`The email could not be parsed: ${reason}.`);
    this.name = 'EmailParseError';
  }
}

export interface ParseLimits {
  maxNestingDepth: number;
  /** Header bytes of all MIME parts together. */
  maxHeadersBytes: number;
  maxParts: number;
  /** Enforced on messages parsed in a worker thread, which is terminated when it runs over. */
  maxTimeMs: number;
  /** Larger messages are parsed in a worker thread; 0 sends every non-empty message there. */
  maxInlineBytes: number;
}

/**
 * Real mail nests a handful of levels and carries at most a few hundred parts; these leave
 * room for odd mailers while stopping the messages that took other parsers down.
 * `maxInlineBytes` is low because sanitizing HTML costs up to ~2 µs a byte: a 256 KiB body
 * holds the calling thread for well under a second even when built to be slow.
 */
export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxNestingDepth: 50,
  maxHeadersBytes: 1024 * 1024,
  maxParts: 2_000,
  maxTimeMs: 20_000,
  maxInlineBytes: 256 * 1024,
};
