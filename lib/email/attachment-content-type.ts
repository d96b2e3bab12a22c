/** A type the download route can send as it is; anything else is served as bytes. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * The content type an attachment is stored and served with: a plain `type/subtype`, lower-cased,
 * without parameters; anything else (empty, malformed, header injection) becomes
 * `application/octet-stream`. Whoever sent the file, a customer's mail client or an agent's browser, names it.
 */
export function safeAttachmentContentType(raw: string | null | undefined): string {
  const candidate = (raw ?? '').trim().toLowerCase();
  return MEDIA_TYPE.test(candidate) ? candidate : 'application/octet-stream';
}
