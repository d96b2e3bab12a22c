export type SmtpAuthMethod = 'PLAIN' | 'LOGIN' | 'XOAUTH2';

/** One message the SMTP submission server accepted, with its envelope as the client gave it. */
export interface SentMessage {
  /** The envelope sender (MAIL FROM), whatever its case: the signed-in user's address or one they may send as. */
  from: string;
  /** The envelope recipients (RCPT TO), test users or not, in the client's order; smtp-server lowercases their domains. */
  to: string[];
  /** The DATA the client sent, byte for byte (dot-unstuffed, no header added). */
  raw: Buffer;
  /** Who signed in. */
  authUser: string;
  authMethod: SmtpAuthMethod;
  at: Date;
}

export interface SentMessageFilter {
  /** Messages with this envelope recipient (among others). */
  to?: string;
  from?: string;
}

/** A SentMessage as plain JSON, for the control API. */
export type SentMessageRecord = Omit<SentMessage, 'raw' | 'at'> & { raw: string; at: string };

export function encodeSentMessage(message: SentMessage): SentMessageRecord {
  return { ...message, raw: message.raw.toString('base64'), at: message.at.toISOString() };
}

export function decodeSentMessage(record: SentMessageRecord): SentMessage {
  return { ...record, raw: Buffer.from(record.raw, 'base64'), at: new Date(record.at) };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Every message accepted since the harness started or the log was last cleared, oldest first. */
export class SentLog {
  #messages: SentMessage[] = [];

  add(message: SentMessage): void {
    this.#messages.push(message);
  }

  list(filter: SentMessageFilter = {}): SentMessage[] {
    const { to, from } = filter;
    return this.#messages.filter(
      (message) => (to === undefined || message.to.some((recipient) => same(recipient, to))) && (from === undefined || same(message.from, from)),
    );
  }

  clear(): void {
    this.#messages = [];
  }
}
