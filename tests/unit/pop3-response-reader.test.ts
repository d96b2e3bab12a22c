import { describe, expect, it } from 'vitest';
import { type Pop3StatusLine, Pop3ResponseReader } from '@/lib/mail/pop3/pop3-response-reader';

interface Reply extends Pop3StatusLine {
  body?: Buffer;
}

/** Feeds `chunks` to a reader; every `+OK` reply whose number is in `multiLine` gets a body. */
function read(chunks: Buffer[], multiLine: ReadonlySet<number> = new Set([0])): Reply[] {
  const replies: Reply[] = [];
  let parts: Buffer[] = [];
  const reader = new Pop3ResponseReader({
    status: (line) => {
      replies.push({ ...line });
      return line.status === '+OK' && multiLine.has(replies.length - 1);
    },
    body: (chunk) => parts.push(Buffer.from(chunk)),
    end: () => {
      const last = replies.at(-1);
      if (last) last.body = Buffer.concat(parts);
      parts = [];
    },
  });
  for (const chunk of chunks) reader.push(chunk);
  return replies;
}

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** What a server sends for `body` (RFC 1939 §3): a dot at a line start doubled, then `.CRLF`. */
const onTheWire = (body: Buffer) => bytes(`${body.toString('latin1').replace(/(^|\r\n)\./g, '$1..')}.\r\n`);

function splitAt(data: Buffer, ...offsets: number[]): Buffer[] {
  const points = [0, ...offsets, data.length];
  return points.slice(1).map((end, index) => data.subarray(points[index], end));
}

describe('Pop3ResponseReader', () => {
  it('parses +OK, -ERR and SASL continuation status lines', () => {
    expect(read([bytes('+OK Dovecot ready.\r\n-ERR [AUTH] Authentication failed.\r\n+ eyJ9\r\n+ \r\n+OK\r\n')], new Set())).toEqual([
      { status: '+OK', text: 'Dovecot ready.' },
      { status: '-ERR', text: '[AUTH] Authentication failed.' },
      { status: '+', text: 'eyJ9' },
      { status: '+', text: '' },
      { status: '+OK', text: '' },
    ]);
  });

  it('rejects a line that is no POP3 status, and a status line that never ends', () => {
    expect(() => read([bytes('* OK IMAP4rev1\r\n')])).toThrow(/invalid response line/);
    expect(() => read([bytes('+OKAY\r\n')])).toThrow(/invalid response line/);
    expect(() => read([Buffer.alloc(70 * 1024, 0x41)])).toThrow(/longer than 64 KiB/);
  });

  it('reads a status line split across chunks without gluing it to the body', () => {
    const wire = bytes('+OK 5 octets\r\nabc\r\n.\r\n');
    for (const offsets of [[1], [2], [12], [13], [14], [1, 13]]) {
      expect(read(splitAt(wire, ...offsets))).toEqual([{ status: '+OK', text: '5 octets', body: bytes('abc\r\n') }]);
    }
  });

  it('finds the terminator wherever the chunks split it', () => {
    const wire = bytes('+OK\r\nline\r\n.\r\n');
    const end = wire.length;
    // "\r\n." | "\r\n", "\r" | "\n.\r\n", "\r\n" | ".\r\n", "\r\n.\r" | "\n", and one byte at a time.
    for (const offsets of [[end - 2], [end - 4], [end - 3], [end - 1], [end - 5], Array.from({ length: end - 1 }, (_, i) => i + 1)]) {
      expect(read(splitAt(wire, ...offsets))).toEqual([{ status: '+OK', text: '', body: bytes('line\r\n') }]);
    }
  });

  it('undoes dot-stuffing: "..", "...", a line that is just "..", and a stuffed line starting with CR', () => {
    const body = bytes('..\r\n...\r\n.x\r\n.\r\n.\rcr\r\nmid.dot\r\n');
    expect(onTheWire(body).toString('latin1')).toBe('...\r\n....\r\n..x\r\n..\r\n..\rcr\r\nmid.dot\r\n.\r\n');
    expect(read([bytes('+OK\r\n'), onTheWire(body)])[0]?.body).toEqual(body);
    // An unstuffed line-start dot is still dropped (RFC 1939: the first octet is stripped).
    expect(read([bytes('+OK\r\n.a\r\n.\r\n')])[0]?.body).toEqual(bytes('a\r\n'));
    for (const offsets of [[], [6], [7]]) {
      expect(read(splitAt(bytes('+OK\r\n.\rb\r\n.\r\n'), ...offsets))[0]?.body).toEqual(bytes('\rb\r\n'));
    }
  });

  it('keeps bare LF, bare CR, NUL, 8-bit and invalid UTF-8 bytes as they are', () => {
    const body = Buffer.concat([bytes('a\nb\rc\n.d\r\n'), Buffer.from([0x00, 0xe9, 0xff, 0xc3, 0x28, 0xf0, 0x9f, 0x98, 0x0d, 0x0a])]);
    expect(read([bytes('+OK\r\n'), onTheWire(body)])[0]?.body).toEqual(body);
  });

  it('reads an empty body, and several replies in one chunk', () => {
    const replies = read([bytes('+OK\r\n.\r\n+OK 2 10\r\n+OK\r\nx\r\n.\r\n-ERR no\r\n')], new Set([0, 2]));
    expect(replies).toEqual([
      { status: '+OK', text: '', body: Buffer.alloc(0) },
      { status: '+OK', text: '2 10' },
      { status: '+OK', text: '', body: bytes('x\r\n') },
      { status: '-ERR', text: 'no' },
    ]);
  });

  it('is idle only between complete replies', () => {
    const reader = new Pop3ResponseReader({ status: () => false, body: () => undefined, end: () => undefined });
    expect(reader.isIdle).toBe(true);
    reader.push(bytes('+OK Begin TLS\r\n+O'));
    expect(reader.isIdle).toBe(false);
  });

  it('is byte-exact for every body of up to 7 octets over ".", CR, LF and "x", split at every offset', () => {
    const alphabet = ['.', '\r', '\n', 'x'];
    let bodies = [''];
    let checked = 0;
    for (let length = 0; length <= 7; length += 1) {
      for (const text of bodies) {
        // A body ends with CRLF or is empty: the terminator needs a line of its own.
        const body = bytes(text === '' ? '' : `${text}\r\n`);
        const wire = Buffer.concat([bytes('+OK\r\n'), onTheWire(body)]);
        for (let offset = 1; offset < wire.length; offset += 1) {
          const [reply] = read(splitAt(wire, offset));
          if (!reply?.body?.equals(body)) expect({ text, offset, got: reply?.body?.toString('latin1') }).toBeUndefined();
          checked += 1;
        }
      }
      bodies = bodies.flatMap((text) => alphabet.map((letter) => text + letter));
    }
    expect(checked).toBeGreaterThan(200_000);
  });
});
