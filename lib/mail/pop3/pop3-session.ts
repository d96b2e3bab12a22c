/**
 * One POP3 connection (RFC 1939, STLS per RFC 2595, SASL continuations per RFC 5034): commands
 * written one at a time, answers read by Pop3ResponseReader. Our own rather than node-pop3's:
 * 0.11 parses answers in a closure its connect() installs on a socket it opens itself, and hangs
 * when the `CRLF.CRLF` terminator is split across chunks, ends a body early at a chunk that is just
 * "." or ".CRLF", glues a split status line onto the body, keeps dot-stuffing, drops the body's
 * last CRLF, takes a `+` SASL challenge for success, decodes bodies as UTF-8, trims command lines,
 * logs in again by itself after a dropped connection and has no STLS and no AUTH. None of that can
 * be changed through its public API.
 */
import type { Socket } from 'node:net';
import { connectionClosed, Pop3Error, Pop3ServerError, serverRefusal, timeoutError } from './pop3-errors';
import { type Pop3Status, type Pop3StatusLine, Pop3ResponseReader } from './pop3-response-reader';
import { upgradeToTls } from './pop3-transport';

export interface Pop3Timeouts {
  /** TCP connect and each TLS handshake. */
  connectMs: number;
  greetingMs: number;
  /** Silence allowed while an answer is due; a long RETR may take longer in total as long as bytes flow. */
  commandMs: number;
}

export interface Pop3Reply {
  status: Pop3Status;
  text: string;
}

/** A multi-line answer's body: kept up to `maxBytes`, past that read to the end and refused with `tooLarge()`. */
interface BodyLimit {
  maxBytes: number;
  tooLarge: () => Error;
}

/** The answer being waited for. */
interface PendingAnswer {
  body: BodyLimit | null;
  chunks: Buffer[];
  size: number;
  reply: Pop3Reply | null;
  resolve: (answer: { reply: Pop3Reply; body: Buffer | null }) => void;
  reject: (error: Error) => void;
}

export class Pop3Session {
  readonly #reader = new Pop3ResponseReader({
    status: (line) => this.#onStatus(line),
    body: (chunk) => this.#onBody(chunk),
    end: () => this.#onBodyEnd(),
  });
  readonly #timeouts: Pop3Timeouts;
  #transport: Socket;
  #pending: PendingAnswer | null = null;
  #idleMs = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #failure: Error | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(socket: Socket, timeouts: Pop3Timeouts) {
    this.#timeouts = timeouts;
    this.#transport = socket;
    this.#attach(socket);
  }

  /** Reads the server's greeting. */
  async greeting(): Promise<void> {
    const { reply } = await this.#ask(null, null, this.#timeouts.greetingMs);
    if (reply.status !== '+OK') throw new Pop3Error('The POP3 server sent a SASL challenge instead of a greeting.');
  }

  /** One command with a single-line answer (`+OK` or a SASL `+` continuation); `-ERR` rejects with Pop3ServerError. */
  async exchange(...args: Array<string | number>): Promise<Pop3Reply> {
    return (await this.#ask(args.join(' '), null, this.#timeouts.commandMs)).reply;
  }

  /** A multi-line command's body as raw bytes, dot-stuffing undone and the terminator removed. */
  async fetchBody(args: Array<string | number>, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
    return (await this.#ask(args.join(' '), { maxBytes, tooLarge }, this.#timeouts.commandMs)).body!;
  }

  /** A multi-line answer of short text lines (CAPA, LIST, UIDL), each split into its words. */
  async fetchLines(args: Array<string | number>): Promise<string[][]> {
    const body = await this.fetchBody(args, 16 * 1024 * 1024, () => new Pop3Error(`The POP3 answer to ${args[0]} is too long.`));
    return body
      .toString('latin1')
      .split('\r\n')
      .filter(Boolean)
      .map((line) => line.split(' '));
  }

  /** STLS (RFC 2595): refuses to go on without TLS, and verifies the certificate like an implicit-TLS connection. */
  async startTls(host: string): Promise<void> {
    const capabilities = await this.fetchLines(['CAPA']).catch((error: unknown) => {
      // A server that does not know CAPA cannot be offering STLS either.
      if (error instanceof Pop3ServerError) return [];
      throw error;
    });
    if (!capabilities.some(([name = '']) => name.toUpperCase() === 'STLS')) {
      throw new Pop3Error('The POP3 server does not offer STLS; Intake never signs in over an unencrypted connection.');
    }
    await this.exchange('STLS');
    // Bytes after STLS's +OK came in plaintext before the handshake: injected, never to be read as replies.
    if (this.#failure || !this.#reader.isIdle) throw new Pop3Error('The POP3 server sent data after accepting STLS.');
    const plain = this.#transport;
    this.#detach(plain);
    try {
      this.#attach(await upgradeToTls(plain, host, this.#timeouts.connectMs));
    } catch (error) {
      this.#fail(error as Error);
      throw error;
    }
  }

  /** Drops the connection without QUIT: the server rolls back this session's DELEs (RFC 1939 §6). */
  close(): void {
    this.#fail(connectionClosed());
  }

  /**
   * Sends `line` (none for the greeting) and waits for its answer, one exchange at a time, with a
   * deadline that restarts whenever bytes arrive.
   */
  #ask(line: string | null, body: BodyLimit | null, idleMs: number): Promise<{ reply: Pop3Reply; body: Buffer | null }> {
    const run = () =>
      new Promise<{ reply: Pop3Reply; body: Buffer | null }>((resolve, reject) => {
        if (this.#failure) throw this.#failure;
        this.#pending = { body, chunks: [], size: 0, reply: null, resolve, reject };
        this.#idleMs = idleMs;
        this.#armIdleTimer();
        if (line !== null) this.#transport.write(`${line}\r\n`);
      });
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #attach(socket: Socket): void {
    this.#transport = socket;
    socket.setKeepAlive(true);
    socket.on('data', this.#onData);
    socket.on('error', this.#fail);
    socket.on('close', this.#onClose);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('error', this.#fail);
    socket.off('close', this.#onClose);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#pending) this.#armIdleTimer();
    try {
      this.#reader.push(chunk);
    } catch (error) {
      this.#fail(error as Error);
    }
  };

  readonly #onClose = (): void => this.#fail(connectionClosed());

  #onStatus(line: Pop3StatusLine): boolean {
    const pending = this.#pending;
    if (!pending) {
      // e.g. Dovecot's "-ERR Disconnected for inactivity." before it hangs up.
      this.#fail(line.status === '-ERR' ? serverRefusal(line.text) : new Pop3Error('The POP3 server sent an unexpected reply.'));
      return false;
    }
    if (line.status === '-ERR') {
      this.#finish();
      pending.reject(serverRefusal(line.text));
      return false;
    }
    if (line.status === '+OK' && pending.body) {
      pending.reply = line;
      return true;
    }
    this.#finish();
    pending.resolve({ reply: line, body: null });
    return false;
  }

  #onBody(chunk: Buffer): void {
    const pending = this.#pending;
    if (!pending?.body) return;
    pending.size += chunk.length;
    // Past the limit the rest is still read, so the session can go on with the next command.
    if (pending.size <= pending.body.maxBytes) pending.chunks.push(chunk);
    else pending.chunks.length = 0;
  }

  #onBodyEnd(): void {
    const pending = this.#pending;
    if (!pending?.body || !pending.reply) return;
    this.#finish();
    if (pending.size > pending.body.maxBytes) pending.reject(pending.body.tooLarge());
    else pending.resolve({ reply: pending.reply, body: Buffer.concat(pending.chunks, pending.size) });
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#fail(timeoutError('Waiting for the POP3 server', this.#idleMs)), this.#idleMs);
  }

  #finish(): void {
    this.#pending = null;
    clearTimeout(this.#idleTimer);
  }

  /** The first failure ends the session: later commands get the same error. */
  readonly #fail = (error: Error): void => {
    if (this.#failure) return;
    this.#failure = error;
    const pending = this.#pending;
    this.#finish();
    this.#transport.destroy();
    pending?.reject(error);
  };
}
