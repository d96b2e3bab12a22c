/** Every marker below is a short line; longer lines are text, and skipping them bounds the work. */
const MAX_MARKER_LENGTH = 1_000;
/** Mail clients wrap a long "On … wrote:" line; its parts are joined back over this many lines. */
const MAX_ATTRIBUTION_LINES = 3;

/**
 * "On … wrote:" as Gmail, Apple Mail, Outlook and Thunderbird write it, in the common
 * languages: the opening word, at most 400 characters, the verb, at most 400 more, the colon.
 * Verbs ending in `:$` close the line; the others may stand anywhere before its final colon.
 */
const ATTRIBUTION_VERBS: Record<string, RegExp> = {
  on: /\bwrote\s?:$/gi,
  am: /\bschrieb\b/gi,
  le: /\ba écrit\s?:$/gi,
  el: /\bescribió\s?:$/gi,
  op: /\bschreef\b/gi,
  il: /\bha scritto\s?:$/gi,
  em: /\bescreveu\s?:$/gi,
};
const ATTRIBUTION_START = /^(On|Am|Le|El|Op|Il|Em)\s/i;
const MAX_ATTRIBUTION_GAP = 400;

/** Outlook's "-----Original Message-----" and the rule it draws above a quoted header block. */
const SEPARATOR =
  /^(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Oorspronkelijk bericht|Messaggio originale|Mensagem original)\s*-{2,}|_{10,})$/i;
/** Outlook quotes a message as a header block: From:, then Sent: or Date: a few lines on. */
const HEADER_FROM = /^\*?(From|Von|De|Van|Da)\s?:\*?\s/i;
const HEADER_SENT = /^\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Fecha|Verzonden|Inviato|Data)\s?:/i;
/** `-- ` starts a signature (RFC 3676), as do the lines phones add. */
const SIGNATURE =
  /^(--|Sent from my\b.*|Sent from (Outlook|Mail|Yahoo Mail) for\b.*|Get Outlook for\b.*|Von meinem\b.*\bgesendet\b.*|Gesendet von meinem\b.*|Envoyé de mon\b.*|Enviado desde mi\b.*|Verzonden vanaf mijn\b.*|Inviato da\b.*)$/i;

/**
 * Whether `line` opens with `opening` and names its verb within the gaps. Found by position:
 * one expression `.{0,400}verb.{0,400}:$` backtracks 400 × 400 steps on a line full of the
 * verb, and replies are read on the calling thread.
 */
function isAttributionLine(line: string, opening: string): boolean {
  if (!line.endsWith(':')) return false;
  for (const verb of line.matchAll(ATTRIBUTION_VERBS[opening.toLowerCase()]!)) {
    const before = verb.index - opening.length;
    const after = line.length - 1 - (verb.index + verb[0].length);
    if (before <= MAX_ATTRIBUTION_GAP && after <= MAX_ATTRIBUTION_GAP) return true;
  }
  return false;
}

/** Attribution lines carry the date of the quoted message, so a digit; "On second thought, I wrote:" has none. */
function isAttribution(lines: readonly string[], index: number): boolean {
  const opening = ATTRIBUTION_START.exec(lines[index]!)?.[1];
  if (!opening) return false;
  let joined = '';
  for (const line of lines.slice(index, index + MAX_ATTRIBUTION_LINES)) {
    joined = `${joined} ${line}`.trim();
    if (joined.length > MAX_MARKER_LENGTH) return false;
    if (/\d/.test(joined) && isAttributionLine(joined, opening)) return true;
  }
  return false;
}

function isHeaderBlock(lines: readonly string[], index: number): boolean {
  return HEADER_FROM.test(lines[index]!) && lines.slice(index + 1, index + 6).some((line) => HEADER_SENT.test(line));
}

/** Where the quoted message or the signature begins: the first marker line. `lines` are trimmed. */
function cutIndex(lines: readonly string[]): number {
  const index = lines.findIndex(
    (line, position) =>
      line.length <= MAX_MARKER_LENGTH && (SEPARATOR.test(line) || SIGNATURE.test(line) || isAttribution(lines, position) || isHeaderBlock(lines, position)),
  );
  return index < 0 ? lines.length : index;
}

/**
 * The new part of a customer's reply: without the quoted message under it, quoted lines
 * (`>`) between the answers, and the signature. Falls back to the whole text when nothing
 * else is left, so that a reply never turns up empty.
 */
export function extractReplyText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const trimmed = lines.map((line) => line.trim());
  const reply = lines
    .slice(0, cutIndex(trimmed))
    .filter((_, index) => !trimmed[index]!.startsWith('>'))
    .join('\n')
    .trim();
  return reply || text.trim();
}
