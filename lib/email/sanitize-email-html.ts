import sanitizeHtml from 'sanitize-html';

/**
 * Sanitizing costs up to ~1 µs a byte of hostile markup; beyond this the body is cut.
 * Email clients clip far earlier (Gmail at 102 KB).
 */
const MAX_HTML_LENGTH = 2 * 1024 * 1024;
const TRUNCATION_NOTE = '<p><em>[The rest of this message was cut: its HTML was larger than 2 MB.]</em></p>';

const LINK_SCHEMES = ['http:', 'https:', 'mailto:', 'tel:'];
const REMOTE_IMAGE_SCHEMES = ['http:', 'https:'];

/** Browsers skip control characters and whitespace inside a URL: `java\tscript:` runs. */
const IGNORED_IN_URLS = /[\u0000-\u0020\u007f]+/g;

/** An absolute URL with one of `schemes`, normalised, or null. Relative URLs mean nothing in a mail. */
function absoluteUrl(value: string | undefined, schemes: readonly string[]): string | null {
  const compact = value?.replace(IGNORED_IN_URLS, '') ?? '';
  if (!URL.canParse(compact)) return null;
  const url = new URL(compact);
  return schemes.includes(url.protocol) ? url.href : null;
}

/** The Content-ID a `cid:` URL names (RFC 2392 allows %-escapes). */
function contentIdOf(src: string | undefined): string | null {
  const match = /^cid:(.+)$/i.exec(src?.trim() ?? '');
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/** Copies the named attributes only: the transforms must not pass on what the sender wrote. */
function pick(attribs: sanitizeHtml.Attributes, names: readonly string[]): sanitizeHtml.Attributes {
  return Object.fromEntries(names.filter((name) => attribs[name] !== undefined).map((name) => [name, attribs[name]!]));
}

const transformLink: sanitizeHtml.Transformer = (tagName, attribs) => {
  const href = absoluteUrl(attribs.href, LINK_SCHEMES);
  return { tagName, attribs: { ...pick(attribs, ['title']), ...(href && { href }), rel: 'noopener noreferrer nofollow', target: '_blank' } };
};

const IMAGE_ATTRIBUTES = ['alt', 'title', 'width', 'height'];

/**
 * Remote images tell the sender when and where a message was read, so none loads until
 * someone asks: the request view turns `data-remote-src` back into `src` on "Load images",
 * and `data-cid` into the download URL of the inline attachment.
 */
const transformImage: sanitizeHtml.Transformer = (tagName, attribs) => {
  const contentId = contentIdOf(attribs.src);
  const remote = contentId ? null : absoluteUrl(attribs.src, REMOTE_IMAGE_SCHEMES);
  return {
    tagName,
    attribs: { ...pick(attribs, IMAGE_ATTRIBUTES), ...(contentId && { 'data-cid': contentId }), ...(remote && { 'data-remote-src': remote }) },
  };
};

const TABLE_CELL = ['colspan', 'rowspan', 'align', 'valign', 'width'];

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'div',
    'span',
    'b',
    'strong',
    'i',
    'em',
    'u',
    's',
    'strike',
    'sub',
    'sup',
    'small',
    'big',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'blockquote',
    'pre',
    'code',
    'hr',
    'a',
    'img',
    'font',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'td',
    'th',
    'caption',
    'colgroup',
    'col',
  ],
  // No style or class: CSS can fetch URLs, overlay the page and hide text.
  allowedAttributes: {
    a: ['href', 'rel', 'target', 'title'],
    img: [...IMAGE_ATTRIBUTES, 'data-remote-src', 'data-cid'],
    font: ['color'],
    ol: ['start', 'type'],
    table: ['border', 'cellpadding', 'cellspacing', 'width', 'align'],
    td: TABLE_CELL,
    th: TABLE_CELL,
    col: ['span', 'width'],
    colgroup: ['span'],
    '*': ['dir', 'lang'],
  },
  // The transforms already keep only these; this is the library's own second check.
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'data-remote-src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // The content of these is code or chrome, never message text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'template', 'xmp', 'iframe', 'object', 'svg', 'math'],
  transformTags: { a: transformLink, img: transformImage },
};

/** HTML of an untrusted email, made safe to show inside Intake. */
export function sanitizeEmailHtml(html: string): string {
  if (html.length <= MAX_HTML_LENGTH) return sanitizeHtml(html, OPTIONS);
  return sanitizeHtml(html.slice(0, MAX_HTML_LENGTH), OPTIONS) + TRUNCATION_NOTE;
}
