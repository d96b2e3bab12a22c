import { rename, writeFile } from 'node:fs/promises';

import type { MailStore } from './maildir';
import { recordSecret } from './secret-ledger';

export interface TestUser {
  email: string;
  password: string;
}

export const defaultUsers: readonly TestUser[] = [
  { email: 'support@acme.test', password: 'support-secret' },
  { email: 'help@acme.test', password: 'help-secret' },
  { email: 'sales@other.test', password: 'sales-secret' },
  { email: 'customer@example.test', password: 'customer-secret' },
];

/**
 * The one list of test users. Dovecot reads it as a passwd-file (it re-reads the file
 * when it changes, so users can be added while it runs) and the OAuth provider
 * authenticates the same users with the same passwords.
 */
export class Accounts {
  readonly #users = new Map<string, string>();
  #writing: Promise<void> = Promise.resolve();

  constructor(
    readonly passwdFile: string,
    private readonly mail: MailStore,
  ) {}

  list(): TestUser[] {
    return [...this.#users].map(([email, password]) => ({ email, password }));
  }

  has(email: string): boolean {
    return this.#users.has(email.toLowerCase());
  }

  passwordOf(email: string): string | undefined {
    return this.#users.get(email.toLowerCase());
  }

  /** Adds users to the passwd-file; see passwdFileSeen() before a running Dovecot looks them up. */
  async add(users: readonly TestUser[]): Promise<void> {
    const added = users.map(({ email, password }) => {
      const address = email.toLowerCase();
      // Also keeps the address usable as a path: home folders are <domain>/<local part>.
      if (!/^[a-z0-9][a-z0-9._+-]*@[a-z0-9][a-z0-9.-]*$/.test(address)) throw new Error(`"${email}" is not a usable test address`);
      if (/[:\r\n]/.test(password)) throw new Error('test passwords cannot contain ":" or line breaks (passwd-file format)');
      recordSecret(password);
      if (this.#users.has(address)) throw new Error(`test user ${address} already exists`);
      return { email: address, password };
    });
    await Promise.all(added.map((user) => this.mail.createMailbox(user.email)));
    for (const user of added) this.#users.set(user.email, user.password);
    await this.write();
  }

  /** Writes are serialised and atomic, so Dovecot never reads a half-written or stale file. */
  private write(): Promise<void> {
    const next = this.#writing.then(async () => {
      const lines = [...this.#users].map(([email, password]) => `${email}:{PLAIN}${password}::::${this.mail.homeOf(email)}::\n`);
      const temporary = `${this.passwdFile}.tmp`;
      await writeFile(temporary, lines.join(''), { mode: 0o644 });
      await rename(temporary, this.passwdFile);
    });
    this.#writing = next.catch(() => undefined);
    return next;
  }
}

/**
 * Dovecot stats the passwd-file at most once per second, so a lookup in the same second as
 * a change may still use the old file; from the next second on it sees the change.
 */
export async function passwdFileSeen(): Promise<void> {
  const nextSecond = (Math.floor(Date.now() / 1000) + 1) * 1000;
  await new Promise((resolve) => setTimeout(resolve, nextSecond - Date.now() + 5));
}
