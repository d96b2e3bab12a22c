/** Tab is whitespace (folded headers carry it); every other control character is suspect. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f]+/g;
const WHITESPACE_RUNS = /\s+/g;
/**
 * Marks, embeddings, overrides and isolates change the order text is shown in, so
 * `invoice\u202Efdp.exe` reads as `invoiceexe.pdf`.
 */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

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

export function stripBidiControls(value: string): string {
  return value.replace(BIDI_CONTROLS, '');
}
