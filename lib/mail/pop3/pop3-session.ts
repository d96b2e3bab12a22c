/**
 * node-pop3's Pop3Command on Intake's own transport and response reader.
 *
 * Why a subclass that replaces connect(): node-pop3 0.11 parses responses inside a closure that
 * its connect() installs on the socket, and every defect we hit lives there — it hangs when the
 * `CRLF.CRLF` terminator is split across chunks, ends a body early at a chunk that is just "."
 * or ".CRLF", glues a split status line onto the body, keeps dot-stuffing, drops the body's last
 * CRLF, takes a `+` SASL challenge for success and decodes bodies as UTF-8; it has no STLS and no
 * AUTH. That closure cannot be patched from outside, so here the socket arrives already open
 * (TLS or plain, STLS done here) and feeds Pop3ResponseReader, a byte-level state machine whose
 * output keeps node-pop3's own contract: 'response' (text, body stream) and 'error' events, with
 * `_updateStream()` / `_endStream()` for bodies. Its command() and its STAT, LIST, UIDL and DELE
 * then work unchanged; its RETR does not (it decodes to a string), so RETR reads the raw stream.
 * Also changed: `_connect()` no longer logs in again by itself after a dropped connection, and
 * QUIT fails instead of answering "Bye" when the connection is gone.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import Pop3Command from 'node-pop3';
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

/** Commands whose +OK is followed by a multi-line body (RFC 1939, RFC 2449): LIST and UIDL only without an argument. */
function expectsBody(commandLine: string): boolean {
  const [name = '', argument] = commandLine.split(' ');
  switch (name.toUpperCase()) {
    case 'RETR':
    case 'TOP':
    case 'CAPA':
      return true;
    case 'LIST':
    case 'UIDL':
      return argument === undefined;
    default:
      return false;
  }
}

export class Pop3Session extends Pop3Command {
  readonly #reader = new Pop3ResponseReader({
    status: (line) => this.#onStatus(line),
    body: (chunk) => this._stream?.push(chunk),
    end: () => {
      this.#settle();
      this._endStream();
    },
  });
  readonly #timeouts: Pop3Timeouts;
  #transport: Socket;
  /** An answer is due: a status line now is a reply, not an unsolicited message. */
  #awaiting = false;
  #idleMs = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #failure: Error | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** node-pop3 resolves a command on `+OK` and on a SASL `+` continuation alike; this tells them apart. */
  #lastStatus: Pop3Status = '+OK';

  constructor(socket: Socket, host: string, timeouts: Pop3Timeouts) {
    // The credentials never go to node-pop3: it would keep them on the object and log in again by itself.
    super({ host, user: '', password: '' });
    this.#timeouts = timeouts;
    this.#transport = socket;
    // node-pop3 emits 'error' for -ERR replies; with nobody waiting, EventEmitter would throw it.
    this.on('error', () => undefined);
    this.#attach(socket);
  }

  /** Reads the greeting from the server. */
  override connect(): Promise<void> {
    return this.request(
      () =>
        new Promise<void>((resolve, reject) => {
          this.once('error', reject);
          this.once('response', () => {
            this.off('error', reject);
            resolve();
          });
        }),
      this.#timeouts.greetingMs,
    ).then(() => {
      if (this.#lastStatus !== '+OK') throw new Pop3Error('The POP3 server sent a SASL challenge instead of a greeting.');
    });
  }

  /** node-pop3 calls this before each command to log in; here the login is explicit and happens once. */
  override async _connect(): Promise<string> {
    if (this.#failure) throw this.#failure;
    return this._PASSInfo;
  }

  override async QUIT(): Promise<string> {
    await this._connect();
    const [info] = await this.command('QUIT');
    return info;
  }

  /**
   * Runs one exchange at a time (node-pop3 would interleave concurrent commands), with a
   * deadline that restarts whenever bytes arrive.
   */
  request<T>(work: () => Promise<T>, idleMs: number = this.#timeouts.commandMs): Promise<T> {
    const run = async () => {
      if (this.#failure) throw this.#failure;
      this.#awaiting = true;
      this.#idleMs = idleMs;
      this.#armIdleTimer();
      try {
        return await work();
      } finally {
        this.#settle();
        // node-pop3 leaves its 'response' listener behind when a command fails, and keeps the
        // last command line — possibly PASS or AUTH — on the object until the next one.
        this.removeAllListeners('response');
        this._command = '';
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** One command with a single-line answer; `-ERR` rejects with Pop3ServerError. */
  async exchange(...args: Array<string | number>): Promise<Pop3Reply> {
    const [text] = await this.request(() => this.command(...args));
    return { status: this.#lastStatus, text };
  }

  /** A multi-line command's body as raw bytes, joined once at the end; larger than `maxBytes` → `tooLarge()` after reading it to the end. */
  fetchBody(args: Array<string | number>, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
    return this.request(async () => {
      const [, body] = await this.command(...args);
      return collect(body, maxBytes, tooLarge);
    });
  }

  /** CAPA (RFC 2449): capability names in upper case; empty when the server does not know CAPA. */
  async capabilities(): Promise<Set<string>> {
    const lines = await this.fetchBody(['CAPA'], 64 * 1024, () => new Pop3Error('The POP3 capability list is too long.')).catch(
      (error: unknown) => {
        if (error instanceof Pop3ServerError) return Buffer.alloc(0);
        throw error;
      },
    );
    return new Set(Pop3Command.listify(lines.toString('latin1')).map(([name = '']) => name.toUpperCase()));
  }

  /** STLS (RFC 2595): refuses to go on without TLS, and verifies the certificate like an implicit-TLS connection. */
  async startTls(host: string): Promise<void> {
    if (!(await this.capabilities()).has('STLS')) {
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

  #attach(socket: Socket): void {
    this.#transport = socket;
    this._socket = socket;
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
    if (this.#awaiting) this.#armIdleTimer();
    try {
      this.#reader.push(chunk);
    } catch (error) {
      this.#fail(error as Error);
    }
  };

  readonly #onClose = (): void => this.#fail(connectionClosed());

  #onStatus(line: Pop3StatusLine): boolean {
    if (!this.#awaiting) {
      // e.g. Dovecot's "-ERR Disconnected for inactivity." before it hangs up.
      this.#fail(line.status === '-ERR' ? serverRefusal(line.text) : new Pop3Error('The POP3 server sent an unexpected reply.'));
      return false;
    }
    this.#lastStatus = line.status;
    if (line.status === '-ERR') {
      this.#settle();
      this.emit('error', serverRefusal(line.text));
      return false;
    }
    if (line.status === '+OK' && expectsBody(this._command)) {
      this.emit('response', line.text, this._updateStream());
      return true;
    }
    this.#settle();
    this.emit('response', line.text, null);
    return false;
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#fail(timeoutError('Waiting for the POP3 server', this.#idleMs)), this.#idleMs);
  }

  #settle(): void {
    this.#awaiting = false;
    clearTimeout(this.#idleTimer);
  }

  /** The first failure ends the session: later commands get the same error. */
  readonly #fail = (error: Error): void => {
    if (this.#failure) return;
    this.#failure = error;
    this.#settle();
    const body = this._stream;
    this._stream = null;
    body?.destroy(error);
    this._socket = null;
    this.#transport.destroy();
    // Rejects a command waiting for its status line (node-pop3 listens for 'error').
    this.emit('error', error);
  };
}

function collect(body: Readable, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is still read, so the session can go on with the next command.
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    body.once('error', reject);
    body.once('end', () => (size > maxBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks, size))));
  });
}
