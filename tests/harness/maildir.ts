import { chown, mkdir, readFile, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

import type { MailOwner } from './system';

export type MessageFlag = '\\Seen' | '\\Answered' | '\\Flagged' | '\\Deleted' | '\\Draft';

/** Maildir info letters, kept in the alphabetical order the format requires. */
const flagLetters: ReadonlyArray<readonly [string, MessageFlag]> = [
  ['D', '\\Draft'],
  ['F', '\\Flagged'],
  ['R', '\\Answered'],
  ['S', '\\Seen'],
  ['T', '\\Deleted'],
];

export interface DeliverOptions {
  /** IMAP mailbox name, `/`-separated for hierarchy; default INBOX. */
  folder?: string;
  /** Flags the message already carries: such a message goes to cur/ as Dovecot would have moved it. */
  flags?: MessageFlag[];
  /** When the server received it (Dovecot's INTERNALDATE is the file's time); default now. */
  receivedAt?: Date;
}

export interface StoredMessage {
  /** The unique part of the Maildir file name; it stays the same when Dovecot moves the file or changes flags. */
  filename: string;
  raw: Buffer;
  flags: MessageFlag[];
}

/** RFC 3501 modified UTF-7, which Dovecot's Maildir++ layout uses for folder names on disk. */
function encodeMailboxName(name: string): string {
  return name.replace(/&|[^\x20-\x7e]+/g, (run) => {
    if (run === '&') return '&-';
    const utf16 = Buffer.from(run, 'utf16le').swap16();
    return `&${utf16.toString('base64').replace(/=+$/, '').replaceAll('/', ',')}-`;
  });
}

function maildirFolder(name: string): string {
  if (name.toUpperCase() === 'INBOX') return '';
  const parts = name.split('/');
  if (parts.some((part) => part === '' || part.includes('.'))) {
    throw new Error(`folder name "${name}" is not usable in the test Maildir++ layout (empty part or ".")`);
  }
  return `.${parts.map(encodeMailboxName).join('.')}`;
}

const host = hostname().replace(/[/:,]/g, '_');
let lastMicros = 0;
let sequence = 0;

/**
 * Dovecot hands out UIDs to new files in the order of the time in their names
 * (`<seconds>.M<microseconds>...`), so a strictly increasing clock keeps UIDs in delivery order.
 */
function uniqueName(): string {
  lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
  const seconds = Math.floor(lastMicros / 1e6);
  const micros = lastMicros % 1e6;
  sequence += 1;
  return `${seconds}.M${micros}P${process.pid}Q${sequence}.${host}`;
}

function timeKey(filename: string): [number, number] {
  const match = /^(\d+)\.M(\d+)/.exec(filename) ?? /^(\d+)/.exec(filename);
  return [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
}

function byDeliveryTime(a: StoredMessage, b: StoredMessage): number {
  const [aSeconds, aMicros] = timeKey(a.filename);
  const [bSeconds, bMicros] = timeKey(b.filename);
  return aSeconds - bSeconds || aMicros - bMicros || a.filename.localeCompare(b.filename);
}

interface Recipient {
  mailbox: string;
  /** The address the mail was sent to, when it is an alias of the mailbox. */
  alias?: string;
}

/** What Postfix prepends to mail it delivers through an alias, in its order and in the message's own line endings. */
function throughAlias(raw: Buffer, alias: string, mailbox: string): Buffer {
  const eol = raw.includes('\r\n') ? '\r\n' : '\n';
  return Buffer.concat([Buffer.from(`X-Original-To: ${alias}${eol}Delivered-To: ${mailbox}${eol}`), raw]);
}

function parseFlags(info: string | undefined): MessageFlag[] {
  const letters = info?.startsWith('2,') ? info.slice(2) : '';
  return flagLetters.filter(([letter]) => letters.includes(letter)).map(([, flag]) => flag);
}

/** Mail storage of the test users, written directly as Maildir++ files the way an MTA's delivery agent would. */
export class MailStore {
  constructor(
    private readonly root: string,
    private readonly owner: MailOwner,
  ) {}

  /**
   * The aliases, a JSON object alias → mailbox, under a name no domain folder can have. Read
   * at every delivery, so deliveries from any process follow the harness's latest.
   */
  get aliasFile(): string {
    return join(this.root, '.aliases.json');
  }

  homeOf(email: string): string {
    const [local, domain] = email.toLowerCase().split('@');
    return join(this.root, domain ?? '', local ?? '');
  }

  private maildir(email: string, folder = 'INBOX'): string {
    return join(this.homeOf(email), 'Maildir', maildirFolder(folder));
  }

  private async mkdirOwned(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
    await chown(path, this.owner.uid, this.owner.gid);
  }

  /** Creates the user's home and INBOX. */
  async createMailbox(email: string): Promise<void> {
    await this.mkdirOwned(this.homeOf(email));
    await this.createMaildir(this.maildir(email));
  }

  async createFolder(email: string, folder: string): Promise<void> {
    const path = this.maildir(email, folder);
    await this.createMaildir(path);
    if (path !== this.maildir(email)) {
      const marker = join(path, 'maildirfolder');
      await writeFile(marker, '');
      await chown(marker, this.owner.uid, this.owner.gid);
    }
  }

  private async createMaildir(path: string): Promise<void> {
    await this.mkdirOwned(path);
    for (const sub of ['cur', 'new', 'tmp']) await this.mkdirOwned(join(path, sub));
  }

  /**
   * Makes Dovecot hand out a new UIDVALIDITY for a folder, as a server does after a rebuild:
   * its UID list and indexes are removed, so every message gets a new UID.
   */
  async resetUidValidity(email: string, folder = 'INBOX'): Promise<void> {
    const dir = this.maildir(email, folder);
    for (const name of await readdir(dir)) {
      if (name === 'dovecot-uidlist' || name.startsWith('dovecot.index')) await rm(join(dir, name), { force: true });
    }
  }

  /** Delivers one raw message; returns its Maildir file name (see StoredMessage.filename). */
  async deliver(email: string, raw: Buffer, options: DeliverOptions = {}): Promise<string> {
    return this.store(await this.recipient(email), raw, options);
  }

  /** Delivers many messages in order; a bounded number of writes run at once. */
  async deliverMany(email: string, raws: Buffer[], options: DeliverOptions = {}): Promise<string[]> {
    const recipient = await this.recipient(email);
    const names: string[] = [];
    const batch = 64;
    for (let start = 0; start < raws.length; start += batch) {
      const chunk = raws.slice(start, start + batch);
      names.push(...(await Promise.all(chunk.map((raw) => this.store(recipient, raw, options)))));
    }
    return names;
  }

  private async recipient(email: string): Promise<Recipient> {
    const address = email.toLowerCase();
    const aliases = JSON.parse(await readFile(this.aliasFile, 'utf8')) as Record<string, string>;
    const mailbox = aliases[address];
    return mailbox === undefined ? { mailbox: email } : { mailbox, alias: address };
  }

  private async store(recipient: Recipient, message: Buffer, options: DeliverOptions): Promise<string> {
    const raw = recipient.alias === undefined ? message : throughAlias(message, recipient.alias, recipient.mailbox);
    const dir = this.maildir(recipient.mailbox, options.folder);
    const name = `${uniqueName()},S=${raw.length}`;
    const flags = options.flags ?? [];
    const letters = flagLetters.filter(([, flag]) => flags.includes(flag)).map(([letter]) => letter);
    const target = letters.length > 0 ? join(dir, 'cur', `${name}:2,${letters.join('')}`) : join(dir, 'new', name);
    // Written in tmp/ and renamed: Dovecot must never see a partial message.
    const temporary = join(dir, 'tmp', name);
    await writeFile(temporary, raw);
    await chown(temporary, this.owner.uid, this.owner.gid);
    if (options.receivedAt) await utimes(temporary, options.receivedAt, options.receivedAt);
    await rename(temporary, target);
    return name;
  }

  /** Messages as they are on disk, oldest delivery first, byte for byte. */
  async listMessages(email: string, folder?: string): Promise<StoredMessage[]> {
    const dir = this.maildir(email, folder);
    // Dovecot may move a file from new/ to cur/ (or rename it for a flag change) while we read.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const messages: StoredMessage[] = [];
        for (const sub of ['new', 'cur']) {
          for (const file of await readdir(join(dir, sub))) {
            const [filename = file, info] = file.split(':');
            messages.push({ filename, raw: await readFile(join(dir, sub, file)), flags: parseFlags(info) });
          }
        }
        return messages.sort(byDeliveryTime);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
      }
    }
  }
}
