/** Tab is whitespace (folded headers carry it); every other control character is suspect. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f]+/g;
const WHITESPACE_RUNS = /\s+/g;
/**
 * Marks, embeddings, overrides and isolates change the order text is shown in, so
 * `invoice\u202Efdp.exe` reads as `invoiceexe.pdf`.
 */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Control characters that carry nothing a person wrote, so all but tab and line ends. Some
 * do harm on the way: PostgreSQL refuses NUL in text, and ESC sequences drive the terminal
 * that shows a log line or an export.
 */
const INVISIBLE_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]+/g;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/**
 * One line of text a person reads (a subject, a name): control characters, which also
 * break storage (PostgreSQL refuses NUL) and log lines, become spaces.
 */
export function toSingleLine(value: string): string {
  return value.replace(CONTROL_RUNS, ' ').replace(WHITESPACE_RUNS, ' ').trim();
}

/** Message text without control characters, its tabs and line ends kept. */
export function stripControlCharacters(value: string): string {
  return value.replace(INVISIBLE_CONTROLS, '');
}

/** At most `max` UTF-16 units, never half a surrogate pair: a lone surrogate is not text. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

export function stripBidiControls(value: string): string {
  return value.replace(BIDI_CONTROLS, '');
}
