/**
 * POP3 responses (RFC 1939 §3) read from raw bytes as they arrive, whatever the TCP/TLS chunking:
 * a status line, then for multi-line responses a dot-stuffed body up to the `CRLF . CRLF` terminator.
 * Bodies are handed on as Buffer slices, never decoded, so 8-bit and invalid UTF-8 survive intact.
 */
import { Pop3Error } from './pop3-errors';

export type Pop3Status = '+OK' | '-ERR' | '+';

export interface Pop3StatusLine {
  status: Pop3Status;
  /** What follows the status indicator, e.g. `[AUTH] Authentication failed.` or a base64 SASL challenge. */
  text: string;
}

export interface Pop3ReaderEvents {
  /** A status line arrived; return true when a multi-line body follows it (only the caller knows the command). */
  status(line: Pop3StatusLine): boolean;
  /** Body bytes with dot-stuffing undone; line endings exactly as sent. */
  body(chunk: Buffer): void;
  /** The terminator was read: the body is complete. */
  end(): void;
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CR_ONLY = Buffer.from([CR]);
/** RFC 2449 allows 512 octets; SASL challenges can be longer, but a server that never ends its line must not fill memory. */
const MAX_STATUS_LINE = 64 * 1024;

/**
 * Where the body scan stands. Line start means after a CRLF (or at the body's start): only there is
 * a dot special — the terminator `.CRLF`, or a stuffing dot to drop (RFC 1939 §3).
 */
type BodyState = 'lineStart' | 'inLine' | 'afterCr' | 'dot' | 'dotCr';

function parseStatusLine(line: Buffer): Pop3StatusLine {
  const text = line.toString('utf8');
  const ok = /^\+OK(?: |$)/i.exec(text);
  if (ok) return { status: '+OK', text: text.slice(ok[0].length) };
  const error = /^-ERR(?: |$)/i.exec(text);
  if (error) return { status: '-ERR', text: text.slice(error[0].length) };
  // RFC 5034 continuation: "+" then a space and base64 (Dovecot sends "+ " for an empty challenge).
  if (/^\+(?: |$)/.test(text)) return { status: '+', text: text.slice(2) };
  throw new Pop3Error(`The POP3 server sent an invalid response line: ${JSON.stringify(text.slice(0, 80))}`);
}

export class Pop3ResponseReader {
  #inBody = false;
  #body: BodyState = 'lineStart';
  #statusParts: Buffer[] = [];
  #statusLength = 0;

  constructor(private readonly events: Pop3ReaderEvents) {}

  /** True between responses with nothing half-read: after STLS's +OK anything else would be plaintext injection. */
  get isIdle(): boolean {
    return !this.#inBody && this.#statusLength === 0;
  }

  /** Feeds received bytes; throws Pop3Error on a malformed status line. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#inBody) {
        const next = this.#scanBody(chunk, offset);
        if (next < 0) return;
        this.#inBody = false;
        offset = next;
        this.events.end();
        continue;
      }
      const lf = chunk.indexOf(LF, offset);
      if (lf < 0) {
        this.#holdStatus(chunk.subarray(offset));
        return;
      }
      const line = this.#takeStatus(chunk.subarray(offset, lf));
      offset = lf + 1;
      if (this.events.status(parseStatusLine(line))) {
        this.#inBody = true;
        this.#body = 'lineStart';
      }
    }
  }

  #holdStatus(part: Buffer): void {
    this.#statusLength += part.length;
    if (this.#statusLength > MAX_STATUS_LINE) throw new Pop3Error('The POP3 server sent a status line longer than 64 KiB.');
    this.#statusParts.push(part);
  }

  /** The whole status line without its line ending (a bare LF is tolerated there: it carries no data). */
  #takeStatus(last: Buffer): Buffer {
    const line = this.#statusParts.length === 0 ? last : Buffer.concat([...this.#statusParts, last]);
    this.#statusParts = [];
    this.#statusLength = 0;
    return line.at(-1) === CR ? line.subarray(0, -1) : line;
  }

  /**
   * Emits the body bytes of `chunk` from `from` on, as slices between the octets that are not data
   * (stuffing dots and the terminator). Returns the offset just past the terminator, or -1 when the
   * body continues in a later chunk. A dot or `.CR` at a chunk's end is held back in the state.
   */
  #scanBody(chunk: Buffer, from: number): number {
    let index = from;
    let dataStart = from;
    /** Passes on the data so far and keeps the current octet back until the next ones tell what it is. */
    const holdBack = (next: BodyState) => {
      if (index > dataStart) this.events.body(chunk.subarray(dataStart, index));
      index += 1;
      dataStart = index;
      this.#body = next;
    };
    while (index < chunk.length) {
      switch (this.#body) {
        case 'lineStart':
          if (chunk[index] === DOT) holdBack('dot');
          else this.#body = 'inLine';
          break;
        case 'inLine': {
          const cr = chunk.indexOf(CR, index);
          if (cr < 0) {
            index = chunk.length;
          } else {
            index = cr + 1;
            this.#body = 'afterCr';
          }
          break;
        }
        case 'afterCr':
          if (chunk[index] === LF) {
            index += 1;
            this.#body = 'lineStart';
          } else if (chunk[index] === CR) {
            index += 1;
          } else {
            this.#body = 'inLine';
          }
          break;
        case 'dot':
          // Anything but CR after a line-start dot: the dot was stuffing, and this octet is data.
          if (chunk[index] === CR) holdBack('dotCr');
          else this.#body = 'inLine';
          break;
        case 'dotCr':
          if (chunk[index] === LF) return index + 1;
          // ".CR" not followed by LF is a stuffed line that starts with a CR: the CR held back is data.
          this.events.body(CR_ONLY);
          this.#body = 'afterCr';
          break;
      }
    }
    if (index > dataStart) this.events.body(chunk.subarray(dataStart, index));
    return -1;
  }
}
