// Pop3Client against an in-process fake POP3 server on loopback that chops its answers at the
// awkward places. The server sends each piece only once the client socket has received the
// previous one, so every piece arrives as a chunk of its own: the splits are real, not hoped for.
import { randomInt } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyMailError } from '@/lib/mail/mail-error';
import type { MailServerSettings } from '@/lib/mail/mail-settings';
import { type Pop3ConnectOptions, Pop3Client, Pop3MessageTooLargeError } from '@/lib/mail/pop3/pop3-client';

const USER = 'support@acme.test';
const PASSWORD = 'fake-pass-Zq7';
const TOKEN = 'ya29.fake-access-token';
const LONG_TOKEN = `ya29.${'L'.repeat(400)}`;
const XOAUTH2_ERROR = { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' };

const bytes = (text: string) => Buffer.from(text, 'latin1');
const base64 = (text: string) => Buffer.from(text).toString('base64');
/** RFC 1939 §3: a dot at a line start doubled, then the terminator. */
const dotStuffed = (body: Buffer) => bytes(`${body.toString('latin1').replace(/(^|\r\n)\./g, '$1..')}.\r\n`);

interface FakeOptions {
  messages?: Buffer[];
  capabilities?: string[];
  uidl?: boolean;
  greet?: boolean;
  /** The pieces an answer is sent in (default: one). */
  split?: (answer: Buffer, command: string) => Buffer[];
  /** Pause between pieces. */
  paceMs?: number;
  /** Takes over a command: bytes to send, or 'silent' to send nothing. */
  intercept?: (line: string, socket: Socket) => Buffer | 'silent' | undefined;
}

/** What the client socket received, for the server to wait on and for tests to look at. */
class Receipt extends EventEmitter {
  readonly chunks: Buffer[] = [];
  total = 0;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
    this.emit('progress');
  }

  /** Resolves once `total` bytes have arrived, or the connection is gone. */
  reached(total: number, socket: Socket): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.total < total && !socket.destroyed) return;
        this.off('progress', check);
        socket.off('close', check);
        resolve();
      };
      this.on('progress', check);
      socket.on('close', check);
      check();
    });
  }
}

interface Session {
  user: string;
  auth: 'none' | 'sasl' | 'sasl-failed' | 'done';
  deleted: Set<number>;
  sent: number;
}

class FakePop3Server {
  /** Every line the clients sent, in order. */
  readonly commands: string[] = [];
  mailbox: Array<{ uid: string; raw: Buffer }>;
  lastReceipt = new Receipt();
  lastSocket: Socket | undefined;
  readonly #server: Server;
  readonly #accepted: Socket[] = [];

  private constructor(readonly options: FakeOptions) {
    this.mailbox = (options.messages ?? []).map((raw, index) => ({ uid: `uid-${index + 1}`, raw }));
    this.#server = createServer((socket) => {
      this.#accepted.push(socket);
      this.#server.emit('accepted');
    });
  }

  static async start(options: FakeOptions = {}): Promise<FakePop3Server> {
    const fake = new FakePop3Server(options);
    fake.#server.listen(0, '127.0.0.1');
    await once(fake.#server, 'listening');
    servers.push(fake);
    return fake;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  settings(credential: MailServerSettings['credential'], overrides: Partial<MailServerSettings> = {}): MailServerSettings {
    // `tls`: fromSocket takes the loopback socket as the secure channel and sends no STLS.
    return { protocol: 'pop3', host: '127.0.0.1', port: this.port, security: 'tls', username: USER, credential, folder: 'INBOX', ...overrides };
  }

  /** A TCP connection whose server side is served only once both ends are paired. */
  async open(): Promise<Socket> {
    const client = connectTcp(this.port, '127.0.0.1');
    const receipt = new Receipt();
    client.on('data', (chunk: Buffer) => receipt.add(chunk));
    await once(client, 'connect');
    if (this.#accepted.length === 0) await once(this.#server, 'accepted');
    const socket = this.#accepted.shift() as Socket;
    this.lastReceipt = receipt;
    this.lastSocket = socket;
    this.#serve(socket, receipt);
    return client;
  }

  async client(
    credential: MailServerSettings['credential'] = { kind: 'password', password: PASSWORD },
    options?: Pop3ConnectOptions,
    overrides?: Partial<MailServerSettings>,
  ): Promise<Pop3Client> {
    return Pop3Client.fromSocket(await this.open(), this.settings(credential, overrides), options);
  }

  close(): void {
    this.#server.close();
    for (const socket of [...this.#accepted, this.lastSocket]) socket?.destroy();
  }

  #serve(socket: Socket, receipt: Receipt): void {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const session: Session = { user: '', auth: 'none', deleted: new Set(), sent: 0 };
    let input = '';
    let queue = this.options.greet === false ? Promise.resolve() : this.#send(socket, receipt, session, bytes('+OK fake POP3 ready.\r\n'), '');
    socket.on('data', (chunk: Buffer) => {
      input += chunk.toString('latin1');
      for (let end = input.indexOf('\r\n'); end >= 0; end = input.indexOf('\r\n')) {
        const line = input.slice(0, end);
        input = input.slice(end + 2);
        queue = queue.then(() => {
          this.commands.push(line);
          const answer = this.options.intercept?.(line, socket) ?? this.#answer(line, session);
          return answer === 'silent' ? undefined : this.#send(socket, receipt, session, answer, line);
        });
      }
    });
  }

  async #send(socket: Socket, receipt: Receipt, session: Session, answer: Buffer, command: string): Promise<void> {
    for (const piece of this.options.split?.(answer, command) ?? [answer]) {
      if (socket.destroyed) return;
      socket.write(piece);
      session.sent += piece.length;
      await receipt.reached(session.sent, socket);
      if (this.options.paceMs) await new Promise((resolve) => setTimeout(resolve, this.options.paceMs));
    }
  }

  #answer(line: string, session: Session): Buffer {
    const ok = (text = '') => bytes(`+OK${text ? ` ${text}` : ''}\r\n`);
    const error = (text: string) => bytes(`-ERR ${text}\r\n`);
    const multiLine = (text: string, body: Buffer) => Buffer.concat([ok(text), dotStuffed(body)]);
    if (session.auth === 'sasl') return this.#xoauth2(line, session);
    if (session.auth === 'sasl-failed') {
      session.auth = 'none';
      return error(line === '' ? '[AUTH] Authentication failed.' : 'Authentication aborted by client.');
    }
    const [name = '', argument = ''] = line.split(' ');
    const message = this.mailbox[Number(argument) - 1];
    const visible = () => this.mailbox.map((entry, index) => ({ ...entry, number: index + 1 })).filter((entry) => !session.deleted.has(entry.number));
    switch (session.auth === 'done' ? name : `${name} (before login)`) {
      case 'CAPA (before login)':
        return multiLine('', bytes((this.options.capabilities ?? ['USER', 'UIDL', 'SASL XOAUTH2']).map((capability) => `${capability}\r\n`).join('')));
      case 'USER (before login)':
        session.user = argument;
        return ok();
      case 'PASS (before login)':
        if (session.user !== USER || line !== `PASS ${PASSWORD}`) return error('[AUTH] Authentication failed.');
        session.auth = 'done';
        return ok('Logged in.');
      case 'AUTH (before login)':
        // RFC 2449/5034: a command line is at most 255 octets; strict servers refuse longer ones.
        if (line.length + 2 > 255) return error('Line too long.');
        if (!line.startsWith('AUTH XOAUTH2')) return error('Unsupported authentication mechanism.');
        session.auth = 'sasl';
        return line === 'AUTH XOAUTH2' ? bytes('+ \r\n') : this.#xoauth2(line.slice('AUTH XOAUTH2 '.length), session);
      case 'STAT':
        return ok(`${visible().length} ${visible().reduce((sum, entry) => sum + entry.raw.length, 0)}`);
      case 'LIST':
        return multiLine(
          `${visible().length} messages:`,
          bytes(
            visible()
              .map((entry) => `${entry.number} ${entry.raw.length}\r\n`)
              .join(''),
          ),
        );
      case 'UIDL':
        if (this.options.uidl === false) return error('Unknown command.');
        return multiLine(
          '',
          bytes(
            visible()
              .map((entry) => `${entry.number} ${entry.uid}\r\n`)
              .join(''),
          ),
        );
      case 'RETR':
        if (!message || session.deleted.has(Number(argument))) return error(`There's no message ${argument}.`);
        return multiLine(`${message.raw.length} octets`, message.raw);
      case 'DELE':
        if (!message) return error(`There's no message ${argument}.`);
        session.deleted.add(Number(argument));
        return ok('Marked to be deleted.');
      case 'QUIT':
        this.mailbox = this.mailbox.filter((_, index) => !session.deleted.has(index + 1));
        return ok('Logging out.');
      default:
        return error('Unknown command.');
    }
  }

  #xoauth2(response: string, session: Session): Buffer {
    const valid = [TOKEN, LONG_TOKEN].some((token) => Buffer.from(response, 'base64').toString() === `user=${USER}\x01auth=Bearer ${token}\x01\x01`);
    session.auth = valid ? 'done' : 'sasl-failed';
    return valid ? bytes('+OK Logged in.\r\n') : bytes(`+ ${base64(JSON.stringify(XOAUTH2_ERROR))}\r\n`);
  }
}

const servers: FakePop3Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

const context = { host: '127.0.0.1', port: 110, usesOAuth: false };

async function failureOf(work: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  return work.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error & Record<string, unknown>) => error,
  );
}

/** The pieces of an answer, cut at the given offsets (negative: from the end). */
function cut(answer: Buffer, offsets: number[]): Buffer[] {
  const points = [0, ...offsets.map((offset) => (offset < 0 ? answer.length + offset : offset)), answer.length];
  return points.slice(1).map((end, index) => answer.subarray(points[index], end));
}

describe('Pop3Client against a fake server', () => {
  const tricky = bytes('Subject: tricky\r\n\r\n.\r\n..\r\n...\r\n.leading dot\r\nmid . dot\r\n');

  it('logs in with USER/PASS and reads STAT, LIST and UIDL', async () => {
    const fake = await FakePop3Server.start({ messages: [bytes('a\r\n'), bytes('bb\r\n')] });
    const client = await fake.client();
    expect(await client.stat()).toEqual({ count: 2, size: 7 });
    expect(await client.list()).toEqual(
      new Map([
        [1, 3],
        [2, 4],
      ]),
    );
    expect(await client.uidl()).toEqual(
      new Map([
        [1, 'uid-1'],
        [2, 'uid-2'],
      ]),
    );
    await client.quit();
    expect(fake.commands).toEqual(['USER support@acme.test', `PASS ${PASSWORD}`, 'STAT', 'LIST', 'UIDL', 'QUIT']);
  });

  // node-pop3 0.11 hangs on the 1st, 2nd and 4th, glues the status line onto the body on the next two,
  // and in every case keeps the stuffing dots and drops the final CRLF.
  it.each([
    ['"\\r\\n." | "\\r\\n"', [-2]],
    ['"\\r" | "\\n.\\r\\n"', [-4]],
    ['"\\r\\n" | ".\\r\\n"', [-3]],
    ['"\\r\\n.\\r" | "\\n"', [-1]],
    ['status line "+O" | "K …"', [2]],
    ['status line "…\\r" | "\\n" + body', [14]],
    ['status line, body and terminator in one chunk', []],
    ['every stuffing dot on its own', [16, 20, 21, 25, 26, 31, 32]],
  ])('RETR is byte-exact when the answer is split %s', async (_, offsets) => {
    const fake = await FakePop3Server.start({
      messages: [tricky],
      split: (answer, command) => (command === 'RETR 1' ? cut(answer, offsets) : [answer]),
    });
    const client = await fake.client();
    const before = fake.lastReceipt.chunks.length;
    expect(await client.retr(1)).toEqual(tricky);
    // Proof that the pieces really arrived as separate chunks.
    expect(fake.lastReceipt.chunks.slice(before)).toEqual(cut(Buffer.concat([bytes(`+OK ${tricky.length} octets\r\n`), dotStuffed(tricky)]), offsets));
    client.close();
  });

  it('RETR is byte-exact when every byte arrives on its own', async () => {
    const message = bytes('Subject: x\r\n\r\n..\r\n.\r\nend\r\n');
    const fake = await FakePop3Server.start({
      messages: [message],
      split: (answer, command) => (command === 'RETR 1' ? [...answer].map((byte) => Buffer.from([byte])) : [answer]),
    });
    const client = await fake.client();
    expect(await client.retr(1)).toEqual(message);
    client.close();
  });

  it('returns the raw bytes: bare LF and CR, NUL, ISO-8859-1, invalid UTF-8, and the empty message', async () => {
    const messages = [
      bytes('Subject: =?iso-8859-1?q?caf=E9?=\r\n\r\ncaf\xe9 na\xefve\r\n'),
      Buffer.concat([bytes('a\nb\rc\r\n'), Buffer.from([0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0x0d, 0x0a])]),
      Buffer.alloc(0),
    ];
    const fake = await FakePop3Server.start({ messages });
    const client = await fake.client();
    for (const [index, message] of messages.entries()) expect(await client.retr(index + 1)).toEqual(message);
    client.close();
  });

  it('retrieves 5,000 random messages byte for byte, split at random places', async () => {
    const lineKinds: Array<() => string> = [
      () => 'x'.repeat(randomInt(0, 120)),
      () => '.'.repeat(randomInt(1, 4)) + 'y'.repeat(randomInt(0, 3)),
      () => String.fromCharCode(...Array.from({ length: randomInt(1, 40) }, () => randomInt(0x80, 0x100))),
      () => String.fromCharCode(...Array.from({ length: randomInt(1, 40) }, () => randomInt(0, 0x100))),
      () => `bare${randomInt(2) ? '\n' : '\r'}${randomInt(2) ? '.' : ''}inside`,
      () => '\x00\xc3\x28\xe2\x82',
    ];
    const randomMessage = () => {
      if (randomInt(50) === 0) return Buffer.alloc(0);
      const lines = Array.from({ length: randomInt(1, randomInt(40) === 0 ? 2000 : 30) }, () => lineKinds[randomInt(lineKinds.length)]?.() ?? '');
      return bytes(`${lines.join('\r\n')}\r\n`);
    };
    const messages = Array.from({ length: 5000 }, randomMessage);
    const fake = await FakePop3Server.start({
      messages,
      // Cut near the terminator, inside the status line and anywhere else.
      split: (answer, command) => {
        if (!command.startsWith('RETR') || answer.length < 8) return [answer];
        const offsets = [randomInt(1, 6), randomInt(1, answer.length), answer.length - randomInt(1, 6)];
        return cut(
          answer,
          [...new Set(offsets)].sort((a, b) => a - b),
        );
      },
    });
    const client = await fake.client();
    const sizes = await client.list();
    const started = performance.now();
    for (const [index, message] of messages.entries()) {
      const received = await client.retr(index + 1);
      if (!received.equals(message)) expect({ index, received: received.toString('latin1') }).toEqual({ index, received: message.toString('latin1') });
      expect(sizes.get(index + 1)).toBe(message.length);
    }
    console.info(`5,000 RETRs over the fake server: ${Math.round(performance.now() - started)} ms, ${fake.lastReceipt.chunks.length} chunks`);
    expect(fake.lastReceipt.chunks.length).toBeGreaterThan(12_000);
    client.close();
  }, 60_000);

  it('logs in with XOAUTH2, using the initial response when the AUTH line fits in 255 octets', async () => {
    const fake = await FakePop3Server.start();
    const client = await fake.client({ kind: 'oauth', accessToken: TOKEN });
    await client.quit();
    expect(fake.commands[0]).toBe(`AUTH XOAUTH2 ${base64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`)}`);
  });

  it('sends XOAUTH2 in two steps when the AUTH line would exceed 255 octets, or when asked to', async () => {
    const fake = await FakePop3Server.start();
    await (await fake.client({ kind: 'oauth', accessToken: LONG_TOKEN })).quit();
    expect(fake.commands.slice(0, 2)).toEqual(['AUTH XOAUTH2', base64(`user=${USER}\x01auth=Bearer ${LONG_TOKEN}\x01\x01`)]);
    await (await fake.client({ kind: 'oauth', accessToken: TOKEN }, { xoauth2TwoStep: true })).quit();
    expect(fake.commands.slice(3, 5)).toEqual(['AUTH XOAUTH2', base64(`user=${USER}\x01auth=Bearer ${TOKEN}\x01\x01`)]);
  });

  it('takes a + challenge after the XOAUTH2 response as a failure, answers it with an empty line and reports the decoded reason', async () => {
    const fake = await FakePop3Server.start();
    for (const options of [{}, { xoauth2TwoStep: true }]) {
      const failure = await failureOf(fake.client({ kind: 'oauth', accessToken: 'ya29.revoked-secret-token' }, options));
      expect(failure).toMatchObject({ authenticationFailed: true, responseText: `[AUTH] Authentication failed. (XOAUTH2 ${JSON.stringify(XOAUTH2_ERROR)})` });
      expect(fake.commands.at(-1)).toBe('');
      const classified = classifyMailError(failure, { ...context, usesOAuth: true });
      expect(classified.kind).toBe('auth');
      expect(classified.message).toMatch(/"status":"401".*Re-authorize/);
      expect(inspect(failure) + JSON.stringify(failure) + classified.message).not.toContain('revoked-secret-token');
    }
  });

  it('reports a wrong password with the server reason, and never the password', async () => {
    const fake = await FakePop3Server.start();
    const failure = await failureOf(fake.client({ kind: 'password', password: 'wrong-Secret-42' }));
    expect(failure).toMatchObject({ authenticationFailed: true, responseText: '[AUTH] Authentication failed.' });
    expect(classifyMailError(failure, context)).toMatchObject({ kind: 'auth', serverMessage: '[AUTH] Authentication failed.' });
    expect(inspect(failure) + JSON.stringify(failure)).not.toContain('wrong-Secret-42');
  });

  it('does not take a locked mailbox for bad credentials', async () => {
    const fake = await FakePop3Server.start({
      intercept: (line) => (line.startsWith('PASS') ? bytes('-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n') : undefined),
    });
    const failure = await failureOf(fake.client());
    expect(failure.authenticationFailed).toBe(false);
    expect(classifyMailError(failure, context)).toMatchObject({ kind: 'unavailable', serverMessage: '[IN-USE] Mailbox is locked by another POP3 session.' });
  });

  it('refuses values that would smuggle in a command', async () => {
    const fake = await FakePop3Server.start();
    await expect(fake.client({ kind: 'password', password: PASSWORD }, {}, { username: `${USER}\r\nDELE 1` })).rejects.toThrow(/control characters/);
    const client = await fake.client();
    expect(() => client.retr(0)).toThrow(RangeError);
    expect(() => client.retr(1.5)).toThrow(RangeError);
    client.close();
    expect(fake.commands).toEqual(['USER support@acme.test', `PASS ${PASSWORD}`]);
  });

  it('returns null from uidl() when the server has no UIDL, and goes on', async () => {
    const fake = await FakePop3Server.start({ uidl: false, messages: [bytes('x\r\n')] });
    const client = await fake.client();
    expect(await client.uidl()).toBeNull();
    expect(await client.stat()).toEqual({ count: 1, size: 3 });
    client.close();
  });

  it('commits DELE on QUIT only: close() without QUIT keeps the messages', async () => {
    const fake = await FakePop3Server.start({ messages: [bytes('one\r\n'), bytes('two\r\n')] });
    const closing = await fake.client();
    await closing.dele(1);
    closing.close();
    const quitting = await fake.client();
    expect(await quitting.stat()).toEqual({ count: 2, size: 10 });
    await quitting.dele(1);
    await expect(quitting.retr(1)).rejects.toMatchObject({ responseText: "There's no message 1." });
    await quitting.quit();
    expect(fake.mailbox.map((entry) => entry.raw)).toEqual([bytes('two\r\n')]);
    await expect(quitting.stat()).rejects.toMatchObject({ code: 'EConnectionClosed' });
  });

  it('runs concurrent calls one after another', async () => {
    const messages = [bytes('first\r\n'), bytes('.second\r\n'), bytes('third\r\n')];
    const fake = await FakePop3Server.start({ messages, split: (answer) => cut(answer, [1]) });
    const client = await fake.client();
    expect(await Promise.all([client.retr(3), client.stat(), client.retr(2), client.list(), client.retr(1)])).toEqual([
      messages[2],
      { count: 3, size: 23 },
      messages[1],
      new Map([
        [1, 7],
        [2, 9],
        [3, 7],
      ]),
      messages[0],
    ]);
    client.close();
  });

  it('refuses a message over maxBytes without keeping it, and stays usable', async () => {
    const big = bytes(`${'x'.repeat(100)}\r\n`);
    const fake = await FakePop3Server.start({ messages: [big, bytes('small\r\n')] });
    const client = await fake.client();
    await expect(client.retr(1, { maxBytes: 50 })).rejects.toBeInstanceOf(Pop3MessageTooLargeError);
    expect(await client.retr(2, { maxBytes: 50 })).toEqual(bytes('small\r\n'));
    expect(await client.retr(1, { maxBytes: big.length })).toEqual(big);
    client.close();
  });

  it('requires STLS for starttls and never sends credentials without it', async () => {
    const fake = await FakePop3Server.start();
    const failure = await failureOf(fake.client(undefined, {}, { security: 'starttls' }));
    expect(failure.message).toMatch(/does not offer STLS/);
    expect(classifyMailError(failure, context).kind).toBe('tls');
    expect(fake.commands).toEqual(['CAPA']);
  });

  it('refuses plaintext the server injects after accepting STLS', async () => {
    const fake = await FakePop3Server.start({
      capabilities: ['STLS', 'USER'],
      intercept: (line) => (line === 'STLS' ? bytes('+OK Begin TLS negotiation now.\r\n+OK injected\r\n') : undefined),
    });
    await expect(fake.client(undefined, {}, { security: 'starttls' })).rejects.toThrow(/sent data after accepting STLS/);
    expect(fake.commands).toEqual(['CAPA', 'STLS']);
  });

  it('times out a missing greeting and a missing answer', async () => {
    const silent = await FakePop3Server.start({ greet: false });
    const started = performance.now();
    const greeting = await failureOf(silent.client(undefined, { timeouts: { greetingMs: 300 } }));
    expect(greeting.code).toBe('ETIMEOUT');
    expect(classifyMailError(greeting, context).kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(2000);

    const stalling = await FakePop3Server.start({ intercept: (line) => (line === 'STAT' ? 'silent' : undefined) });
    const client = await stalling.client(undefined, { timeouts: { commandMs: 300 } });
    expect(await failureOf(client.stat())).toMatchObject({ code: 'ETIMEOUT' });
    await expect(client.list()).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });

  it('lets a slow RETR run past the command timeout while bytes keep coming', async () => {
    const message = bytes('line one\r\nline two\r\nline three\r\n');
    const fake = await FakePop3Server.start({
      messages: [message],
      paceMs: 120,
      split: (answer, command) => (command === 'RETR 1' ? cut(answer, [5, 15, 25, 35, 45]) : [answer]),
    });
    const client = await fake.client(undefined, { timeouts: { commandMs: 400 } });
    const started = performance.now();
    expect(await client.retr(1)).toEqual(message);
    expect(performance.now() - started).toBeGreaterThan(500);
    client.close();
  });

  it('fails a RETR cut off by a closed connection, and every later call', async () => {
    const fake = await FakePop3Server.start({
      intercept: (line, socket) => {
        if (line === 'RETR 1') socket.end(bytes('+OK 100 octets\r\nonly part of it'));
        return line === 'RETR 1' ? 'silent' : undefined;
      },
    });
    const client = await fake.client();
    const failure = await failureOf(client.retr(1));
    expect(failure.code).toBe('EConnectionClosed');
    expect(classifyMailError(failure, context).kind).toBe('unreachable');
    await expect(client.stat()).rejects.toBe(failure);
  });

  it("keeps the server's words when it hangs up on an idle session", async () => {
    const fake = await FakePop3Server.start();
    const client = await fake.client();
    fake.lastSocket?.end(bytes('-ERR Disconnected for inactivity.\r\n'));
    await once(fake.lastSocket as Socket, 'close');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(client.stat()).rejects.toMatchObject({ responseText: 'Disconnected for inactivity.' });
  });

  it('rejects a reply that is not POP3', async () => {
    const fake = await FakePop3Server.start({ intercept: (line) => (line === 'STAT' ? bytes('* OK not POP3\r\n') : undefined) });
    const client = await fake.client();
    const failure = await failureOf(client.stat());
    expect(classifyMailError(failure, context)).toMatchObject({ kind: 'protocol' });
    expect(failure.message).toMatch(/invalid response line/);
  });
});
