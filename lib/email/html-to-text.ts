/**
 * Reads `sanitizeEmailHtml` output, whose tags are well formed and whose text escapes only
 * `& < > "`, so one linear scan suffices where raw HTML would need a parser.
 */
const TOKENS = /<(\/?)([a-z0-9]+)[^>]*>|([^<]+)/g;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' };
const BLOCKS = new Set(['p', 'div', 'blockquote', 'pre', 'ul', 'ol', 'dl', 'dt', 'dd', 'table', 'tr', 'caption', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

/** The text of a sanitized HTML body, with line breaks where blocks end. */
export function sanitizedHtmlToText(html: string): string {
  const parts: string[] = [];
  let preDepth = 0;
  for (const [, closing, tag, text] of html.matchAll(TOKENS)) {
    if (text !== undefined) {
      const decoded = text.replace(/&(?:amp|lt|gt|quot);/g, (entity) => ENTITIES[entity] ?? entity);
      parts.push(preDepth > 0 ? decoded : decoded.replace(/\s+/g, ' '));
    } else if (tag === 'pre') {
      preDepth += closing ? -1 : 1;
      parts.push('\n');
    } else if (tag === 'br') {
      parts.push('\n');
    } else if (tag === 'li' && !closing) {
      parts.push('\n- ');
    } else if ((tag === 'td' || tag === 'th') && closing) {
      parts.push('\t');
    } else if (tag && BLOCKS.has(tag)) {
      parts.push('\n');
    }
  }
  return parts
    .join('')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
