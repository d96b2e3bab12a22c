import { join } from 'node:path';

import type { MailStore } from './maildir';
import { ReplacedFile } from './replaced-file';
import { recordSecret } from './secret-ledger';

export interface TestUser {
  email: string;
  password: string;
}

/** Exchange Online's permissions of one member on one mailbox. */
export interface MailboxRights {
  /** Opens the mailbox over IMAP and POP3 with the member's own token. */
  fullAccess: boolean;
  /** Sends with the mailbox's address as the envelope sender. */
  sendAs: boolean;
}

export interface AliasOptions {
  /** Gmail's "Send mail as": the mailbox's user may send from the alias. */
  sendAs: boolean;
}

export const defaultUsers: readonly TestUser[] = [
  { email: 'support@acme.test', password: 'support-secret' },
  { email: 'help@acme.test', password: 'help-secret' },
  { email: 'sales@other.test', password: 'sales-secret' },
  { email: 'customer@example.test', password: 'customer-secret' },
];

const domainOf = (address: string) => address.slice(address.indexOf('@') + 1);

/**
 * The one directory of test mailboxes and who may use them. Dovecot reads it as a passwd-file
 * of accounts and one of Full Access delegations (it re-reads a file when it changes, so all of
 * it can change while it runs); the OAuth provider authenticates the same users with the same
 * passwords; the delivery agent (MailStore) follows its aliases.
 */
export class Accounts {
  /** Password by address; a shared mailbox has none: as in Microsoft 365, its account cannot sign in. */
  readonly #mailboxes = new Map<string, string | undefined>();
  /** Rights by `<mailbox>/<member>`, the key Dovecot looks Full Access up by. */
  readonly #delegations = new Map<string, MailboxRights>();
  readonly #aliases = new Map<string, { mailbox: string } & AliasOptions>();
  readonly #passwd: ReplacedFile;
  readonly #fullAccess: ReplacedFile;
  readonly #aliasMap: ReplacedFile;

  constructor(
    dir: string,
    private readonly mail: MailStore,
  ) {
    this.#passwd = new ReplacedFile(join(dir, 'users.passwd'));
    this.#fullAccess = new ReplacedFile(join(dir, 'full-access.passwd'));
    this.#aliasMap = new ReplacedFile(mail.aliasFile);
  }

  get passwdFile(): string {
    return this.#passwd.path;
  }

  get fullAccessFile(): string {
    return this.#fullAccess.path;
  }

  /** The users who can sign in. */
  list(): TestUser[] {
    return [...this.#mailboxes].flatMap(([email, password]) => (password === undefined ? [] : [{ email, password }]));
  }

  /** A mailbox, whether its account can sign in or not. */
  has(email: string): boolean {
    return this.#mailboxes.has(email.toLowerCase());
  }

  passwordOf(email: string): string | undefined {
    return this.#mailboxes.get(email.toLowerCase());
  }

  /** Mail to `address` lands in a mailbox: its own, or the one it is an alias of. */
  receivesMail(address: string): boolean {
    return this.has(address) || this.#aliases.has(address.toLowerCase());
  }

  /** Adds users to the passwd-file; see passwdFileSeen() before a running Dovecot looks them up. */
  async add(users: readonly TestUser[]): Promise<void> {
    const added = users.map(({ email, password }) => {
      if (/[:\r\n]/.test(password)) throw new Error('test passwords cannot contain ":" or line breaks (passwd-file format)');
      recordSecret(password);
      return { email: this.unusedAddress(email), password };
    });
    await Promise.all(added.map((user) => this.mail.createMailbox(user.email)));
    for (const user of added) this.#mailboxes.set(user.email, user.password);
    await this.write();
  }

  async addSharedMailbox(email: string): Promise<void> {
    const address = this.unusedAddress(email);
    await this.mail.createMailbox(address);
    this.#mailboxes.set(address, undefined);
    await this.write();
  }

  /** Replaces what `member` may do with `mailbox`. */
  async grant(member: string, mailbox: string, rights: MailboxRights): Promise<void> {
    this.#delegations.set(this.delegationKey(member, mailbox), { fullAccess: rights.fullAccess, sendAs: rights.sendAs });
    await this.write();
  }

  async revoke(member: string, mailbox: string): Promise<void> {
    this.#delegations.delete(this.delegationKey(member, mailbox));
    await this.write();
  }

  /** An alias is only an address: it has no account, so nobody signs in as it. */
  async addAlias(alias: string, mailbox: string, options: AliasOptions): Promise<void> {
    const address = this.unusedAddress(alias);
    const target = mailbox.toLowerCase();
    if (!this.has(target)) throw new Error(`no mailbox ${mailbox}`);
    this.#aliases.set(address, { mailbox: target, sendAs: options.sendAs });
    await this.write();
  }

  /** `user` may send with `address` as the envelope sender: their own, an alias of theirs with Send As, or a mailbox they hold Send As on. */
  maySendAs(user: string, address: string): boolean {
    const sender = address.toLowerCase();
    const alias = this.#aliases.get(sender);
    return sender === user || (alias?.mailbox === user && alias.sendAs) || this.#delegations.get(`${sender}/${user}`)?.sendAs === true;
  }

  /**
   * Exchange takes MAIL FROM of a shared mailbox, or of one the user holds rights on, and checks
   * Send As only after DATA; any other address not the user's is refused at once.
   */
  checksSendAsAfterData(user: string, address: string): boolean {
    const sender = address.toLowerCase();
    return (this.has(sender) && this.passwordOf(sender) === undefined) || this.#delegations.has(`${sender}/${user}`);
  }

  private unusedAddress(email: string): string {
    const address = email.toLowerCase();
    // Also keeps the address usable as a path: home folders are <domain>/<local part>.
    if (!/^[a-z0-9][a-z0-9._+-]*@[a-z0-9][a-z0-9.-]*$/.test(address)) throw new Error(`"${email}" is not a usable test address`);
    if (this.receivesMail(address)) throw new Error(`test address ${address} already exists`);
    return address;
  }

  private delegationKey(member: string, mailbox: string): string {
    const [who, what] = [member.toLowerCase(), mailbox.toLowerCase()];
    if (this.passwordOf(who) === undefined) throw new Error(`no test user ${member} who can sign in`);
    if (!this.has(what) || who === what) throw new Error(`no mailbox ${mailbox} other than the member's own`);
    // Dovecot opens another mailbox with a member's token only within its domain, as Exchange within a tenant.
    if (domainOf(who) !== domainOf(what)) throw new Error(`${member} and ${mailbox} are in different domains`);
    return `${what}/${who}`;
  }

  private async write(): Promise<void> {
    const home = (email: string) => this.mail.homeOf(email);
    const accounts = [...this.#mailboxes].map(([email, password]) =>
      // A shared mailbox's home is there for its members' logins; nologin refuses any password, even an empty one.
      password === undefined ? `${email}:::::${home(email)}::nologin\n` : `${email}:{PLAIN}${password}::::${home(email)}::\n`,
    );
    const fullAccess = [...this.#delegations].filter(([, rights]) => rights.fullAccess).map(([key]) => `${key}\n`);
    const aliases = Object.fromEntries([...this.#aliases].map(([alias, { mailbox }]) => [alias, mailbox]));
    await Promise.all([this.#passwd.write(accounts.join('')), this.#fullAccess.write(fullAccess.join('')), this.#aliasMap.write(JSON.stringify(aliases))]);
  }
}

/**
 * Dovecot stats a passwd-file at most once per second, so a lookup in the same second as
 * a change may still use the old file; from the next second on it sees the change.
 */
export async function passwdFileSeen(): Promise<void> {
  const nextSecond = (Math.floor(Date.now() / 1000) + 1) * 1000;
  await new Promise((resolve) => setTimeout(resolve, nextSecond - Date.now() + 5));
}
