/**
 * Intake's POP3 client (RFC 1939, STLS per RFC 2595, AUTH XOAUTH2 per RFC 5034): the commands
 * Intake uses, over one Pop3Session (pop3-session.ts says why it is our own).
 */
import type { Socket } from 'node:net';
import { MAIL_TIMEOUTS, type MailServerSettings } from '../mail-settings';
import { resolveMailHost } from '../resolve-mail-host';
import { asAuthenticationFailure, Pop3Error, Pop3MessageTooLargeError, Pop3ServerError } from './pop3-errors';
import { Pop3Session, type Pop3Timeouts } from './pop3-session';
import { openPlain, openTls } from './pop3-transport';
import { authenticateXoauth2 } from './xoauth2';

export { Pop3MessageTooLargeError } from './pop3-errors';

export interface Pop3ConnectOptions {
  /** Send XOAUTH2 in two steps even when the initial response fits on the AUTH line (tests; picky servers). */
  xoauth2TwoStep?: boolean;
  /** Default: MAIL_TIMEOUTS. */
  timeouts?: Partial<Pop3Timeouts>;
}

/** Commands are text lines: a CR or LF in a value would start another command. */
function assertLineSafe(value: string, what: string): void {
  if (/[\x00-\x1f\x7f]/.test(value)) throw new Pop3Error(`The ${what} contains control characters, which POP3 cannot carry.`);
}

function assertMessageNumber(messageNumber: number): void {
  if (!Number.isSafeInteger(messageNumber) || messageNumber < 1) throw new RangeError(`Not a POP3 message number: ${messageNumber}`);
}

async function authenticate(session: Pop3Session, settings: MailServerSettings, options: Pop3ConnectOptions): Promise<void> {
  const { username, credential } = settings;
  assertLineSafe(username, 'username');
  if (credential.kind === 'oauth') {
    assertLineSafe(credential.accessToken, 'access token');
    await authenticateXoauth2(session, username, credential.accessToken, { twoStep: options.xoauth2TwoStep });
    return;
  }
  assertLineSafe(credential.password, 'password');
  await session.exchange('USER', username);
  await session.exchange('PASS', credential.password).catch((error: unknown) => {
    throw asAuthenticationFailure(error);
  });
}

/** "n value" lines (LIST, UIDL) as a map; anything else is a protocol error. */
function numbered<T>(rows: string[][], parse: (value: string) => T | undefined, what: string): Map<number, T> {
  const entries = new Map<number, T>();
  for (const [number = '', value = ''] of rows) {
    const parsed = parse(value);
    if (!/^[1-9]\d*$/.test(number) || parsed === undefined) throw new Pop3Error(`The POP3 server sent an invalid ${what} line.`);
    entries.set(Number(number), parsed);
  }
  return entries;
}

const octets = (value: string) => (/^\d+$/.test(value) ? Number(value) : undefined);
/** RFC 1939 §7: 1 to 70 printable characters. */
const uniqueId = (value: string) => (/^[\x21-\x7e]{1,70}$/.test(value) ? value : undefined);

export class Pop3Client {
  private constructor(private readonly session: Pop3Session) {}

  /**
   * Connects (implicit TLS for `tls`; plain then a mandatory STLS for `starttls`), reads the
   * greeting and logs in: XOAUTH2 for OAuth, USER/PASS for a password.
   */
  static async connect(settings: MailServerSettings, options: Pop3ConnectOptions = {}): Promise<Pop3Client> {
    const { connectMs } = { ...MAIL_TIMEOUTS, ...options.timeouts };
    const open = settings.security === 'tls' ? openTls : openPlain;
    const target = await resolveMailHost(settings.host);
    return Pop3Client.fromSocket(await open(target, settings.port, connectMs), settings, options);
  }

  /**
   * The same over a socket the caller opened: for `tls` it must already be encrypted, for
   * `starttls` it is upgraded here. Tests use it against a fake server on loopback; all else uses connect().
   */
  static async fromSocket(socket: Socket, settings: MailServerSettings, options: Pop3ConnectOptions = {}): Promise<Pop3Client> {
    const session = new Pop3Session(socket, { ...MAIL_TIMEOUTS, ...options.timeouts });
    try {
      await session.greeting();
      if (settings.security === 'starttls') await session.startTls(settings.host);
      await authenticate(session, settings, options);
      return new Pop3Client(session);
    } catch (error) {
      session.close();
      throw error;
    }
  }

  async stat(): Promise<{ count: number; size: number }> {
    const { text: info } = await this.session.exchange('STAT');
    const match = /^(\d+) (\d+)/.exec(info);
    if (!match) throw new Pop3Error('The POP3 server sent an invalid STAT answer.');
    return { count: Number(match[1]), size: Number(match[2]) };
  }

  /** LIST: message number → size in octets. */
  async list(): Promise<Map<number, number>> {
    const rows = await this.session.fetchLines(['LIST']);
    return numbered(rows, octets, 'LIST');
  }

  /** UIDL: message number → unique id; null when the server does not support UIDL. */
  async uidl(): Promise<Map<number, string> | null> {
    try {
      const rows = await this.session.fetchLines(['UIDL']);
      return numbered(rows, uniqueId, 'UIDL');
    } catch (error) {
      if (error instanceof Pop3ServerError) return null;
      throw error;
    }
  }

  /**
   * RETR: the message's exact bytes, dot-stuffing undone and the terminator removed. Larger than
   * `maxBytes` → Pop3MessageTooLargeError, without keeping the bytes; the session stays usable.
   */
  retr(messageNumber: number, options: { maxBytes?: number } = {}): Promise<Buffer> {
    assertMessageNumber(messageNumber);
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    return this.session.fetchBody(['RETR', messageNumber], maxBytes, () => new Pop3MessageTooLargeError(messageNumber, maxBytes));
  }

  /** Marks a message deleted; only QUIT commits it. */
  async dele(messageNumber: number): Promise<void> {
    assertMessageNumber(messageNumber);
    await this.session.exchange('DELE', messageNumber);
  }

  /** QUIT: the server commits the deletions (UPDATE state), then the connection closes. */
  async quit(): Promise<void> {
    try {
      await this.session.exchange('QUIT');
    } finally {
      this.session.close();
    }
  }

  /** Closes without QUIT: pending deletions are not committed. */
  close(): void {
    this.session.close();
  }
}
