import PostalMime, { type Attachment, type Email } from 'postal-mime';
import { safeAttachmentContentType } from './attachment-content-type';
import { safeAttachmentFilename } from './attachment-filename';
import { countMimeParts } from './count-mime-parts';
import { readMailboxes, readSender } from './email-address';
import { sanitizedHtmlToText } from './html-to-text';
import { normalizeMessageId, parseMessageIdList } from './message-id';
import { EmailParseError, type ParseLimits, type ParsedAttachment, type ParsedEmail } from './parsed-email';
import { sanitizeEmailHtml } from './sanitize-email-html';
import { stripControlCharacters, toSingleLine, truncate } from './unsafe-characters';

/**
 * RFC 5322's longest line. A subject is one line a person reads, yet headers may fold it to
 * a megabyte, and it travels on: into the Email log, log lines, the confirmation's subject.
 */
const MAX_SUBJECT_LENGTH = 998;

const megabytes = (bytes: number) => `${Number((bytes / (1024 * 1024)).toFixed(2))} MB`;

/** postal-mime reports its limits only in its messages. */
function refusal(error: unknown, limits: ParseLimits): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (/nesting depth/i.test(message)) return new EmailParseError(`MIME nesting deeper than ${limits.maxNestingDepth} levels`);
  if (/header size/i.test(message)) return new EmailParseError(`headers larger than ${megabytes(limits.maxHeadersBytes)}`);
  return error;
}

function toAttachment(attachment: Attachment, position: number): ParsedAttachment {
  const contentType = safeAttachmentContentType(attachment.mimeType);
  // Parts come as an ArrayBuffer, calendar parts as a Uint8Array (UTF-8 text); never as a
  // string, which only the other `attachmentEncoding`s produce.
  const { content: body } = attachment;
  const content = ArrayBuffer.isView(body) ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : Buffer.from(body as ArrayBuffer);
  const contentId = attachment.contentId ? normalizeMessageId(attachment.contentId) : null;
  return {
    filename: safeAttachmentFilename(attachment.filename, contentType, position),
    contentType,
    size: content.length,
    content,
    contentId,
    inline: contentId !== null && (attachment.related === true || attachment.disposition === 'inline'),
  };
}

/**
 * Sanitized HTML that shows nothing (a part of scripts and styles only) would take the place
 * of the text part on the request page, leaving the agent a blank message.
 */
function visibleHtml(html: string | undefined): string | null {
  if (html === undefined) return null;
  const sanitized = sanitizeEmailHtml(stripControlCharacters(html));
  return sanitizedHtmlToText(sanitized) || /<img\b/.test(sanitized) ? sanitized : null;
}

/**
 * The body as sent when the parser found no part in it at all: a multipart whose delimiters
 * match no declared boundary. An empty request would lose the customer's words.
 */
function unparsedBody(raw: Buffer, email: Email): string {
  if (email.text !== undefined || email.html !== undefined || email.attachments.length > 0) return '';
  const text = raw.toString('utf8');
  const headerEnd = /\r?\n\r?\n/.exec(text);
  return headerEnd ? text.slice(headerEnd.index + headerEnd[0].length) : '';
}

function toParsedEmail(email: Email, raw: Buffer): ParsedEmail {
  const all = (key: string) => email.headers.filter((header) => header.key === key).map((header) => header.value);
  const first = (key: string) => all(key)[0]?.trim().toLowerCase() || null;
  const dateHeader = all('date')[0];
  const date = dateHeader === undefined ? null : new Date(dateHeader);
  const html = visibleHtml(email.html);
  // A blank text part next to an HTML part is a mailer's placeholder, not the message.
  const text = email.text?.trim() ? email.text : html === null ? unparsedBody(raw, email) : sanitizedHtmlToText(html);
  return {
    messageId: normalizeMessageId(all('message-id')[0] ?? ''),
    inReplyTo: parseMessageIdList(all('in-reply-to').join(' ')),
    references: parseMessageIdList(all('references').join(' ')),
    subject: truncate(toSingleLine(email.subject ?? ''), MAX_SUBJECT_LENGTH),
    from: readSender(all('from')),
    replyTo: readMailboxes(all('reply-to')),
    to: readMailboxes(all('to')),
    cc: readMailboxes(all('cc')),
    date: date && !Number.isNaN(date.getTime()) ? date : null,
    text: stripControlCharacters(text).replace(/\r\n?/g, '\n').trimEnd(),
    html,
    attachments: email.attachments.map((attachment, index) => toAttachment(attachment, index + 1)),
    headers: {
      autoSubmitted: first('auto-submitted'),
      precedence: first('precedence'),
      listId: first('list-id'),
      returnPath: first('return-path'),
      xAutoreply: first('x-autoreply'),
      xAutorespond: first('x-autorespond'),
      xAutoResponseSuppress: first('x-auto-response-suppress'),
      contentType: first('content-type') ?? 'text/plain',
    },
  };
}

/**
 * Parses and cleans a raw message on the calling thread, within `limits` except time.
 * Forwarded messages stay `.eml` attachments rather than being parsed in turn: each
 * nested message would get a fresh parser with fresh limits.
 */
export async function decodeEmail(raw: Buffer, limits: ParseLimits): Promise<ParsedEmail> {
  if (countMimeParts(raw) > limits.maxParts) throw new EmailParseError(`more than ${limits.maxParts} MIME parts`);
  const email = await PostalMime.parse(raw, {
    maxNestingDepth: limits.maxNestingDepth,
    maxHeadersSize: limits.maxHeadersBytes,
    forceRfc822Attachments: true,
    maxRfc822NestingDepth: 0,
  }).catch((error: unknown) => {
    throw refusal(error, limits);
  });
  return toParsedEmail(email, raw);
}
