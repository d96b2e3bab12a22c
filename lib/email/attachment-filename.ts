import { stripBidiControls, toSingleLine } from './unsafe-characters';

const MAX_LENGTH = 200;
/** Longer "extensions" are part of the name, not a file type worth keeping. */
const MAX_EXTENSION_LENGTH = 16;

/** Characters Windows refuses in file names; downloads must save everywhere. */
const RESERVED = /[<>:"|?*]/g;

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'application/zip': '.zip',
  'image/gif': '.gif',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'message/delivery-status': '.txt',
  'text/csv': '.csv',
  'text/html': '.html',
  'text/plain': '.txt',
};

/** What a part without a usable name is called. */
function fallbackName(contentType: string, position: number): string {
  if (contentType === 'message/rfc822') return 'forwarded-message.eml';
  if (contentType === 'text/calendar' || contentType === 'application/ics') return 'invite.ics';
  return `attachment-${position}${EXTENSIONS[contentType] ?? ''}`;
}

/** Cuts by code points so that no emoji is split in half, keeping the extension. */
function shorten(name: string): string {
  const characters = Array.from(name);
  if (characters.length <= MAX_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_LENGTH ? name.slice(dot) : '';
  return characters.slice(0, MAX_LENGTH - extension.length).join('') + extension;
}

/**
 * A file name safe to show and to offer as a download: the last path segment only
 * (`../../etc/passwd` → `passwd`), without control, bidi or reserved characters, no
 * leading dots, at most 200 characters. `position` counts attachments from 1.
 */
export function safeAttachmentFilename(raw: string | null, contentType: string, position: number): string {
  const lastSegment = (raw ?? '').split(/[/\\]/).at(-1) ?? '';
  // Trimmed after shortening: the trailing pattern backtracks on long runs of dots.
  const cleaned = shorten(stripBidiControls(toSingleLine(lastSegment)).replace(RESERVED, '_')).replace(/^[.\s]+|[.\s]+$/g, '');
  const name = cleaned || fallbackName(contentType, position);
  // Mail clients open a forwarded message by its extension.
  return contentType === 'message/rfc822' && !name.toLowerCase().endsWith('.eml') ? shorten(`${name}.eml`) : name;
}
