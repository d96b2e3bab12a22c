// The test harness: a real Dovecot (IMAP, POP3, TLS, password and OAuth logins), SMTP submission
// with the same logins, and a real OAuth 2.0 / OpenID Connect provider, for Intake's integration,
// end-to-end and benchmark runs.
import { readFile } from 'node:fs/promises';

import type { AliasOptions, MailboxRights, TestUser } from './accounts';
import { authorizeHeadless, signInAt, tokenRequest, type TokenSet } from './authorize';
import { type HarnessControl, RemoteControl } from './control';
import { type DeliverOptions, MailStore, type StoredMessage } from './maildir';
import type { ClientOptions, TestClient } from './provider';
import { decodeSentMessage, type SentMessage, type SentMessageFilter } from './smtp-capture';
import { type HarnessInfo, startStack } from './stack';

export { browserTrustHome } from './browser';
export { ensureTestCa } from './ca';
export type { AliasOptions, MailboxRights, TestUser } from './accounts';
export type { TokenSet } from './authorize';
export type { DovecotPorts } from './dovecot-config';
export type { DeliverOptions, MessageFlag, StoredMessage } from './maildir';
export type { ClientOptions, ProviderEndpoints, TestClient, TokenEndpointAuthMethod } from './provider';
export type { SmtpPorts } from './smtp';
export type { SentMessage, SentMessageFilter, SmtpAuthMethod } from './smtp-capture';
export type { HarnessInfo } from './stack';

/** The environment variable through which a harness started elsewhere (e.g. Playwright's globalSetup) is found. */
export const harnessInfoEnv = 'INTAKE_TEST_HARNESS';

export interface HarnessOptions {
  /** Users created besides the default ones (support@ and help@acme.test, sales@other.test, customer@example.test). */
  users?: TestUser[];
}

export interface AuthorizeOptions {
  /** Default: the user's password. */
  password?: string;
  /** Default: `openid email offline_access https://mail.test/`. */
  scope?: string;
  /** Default: the client's first redirect URI. */
  redirectUri?: string;
}

/** A running test stack, used from the process that started it or from any other test process. */
export class Harness {
  readonly caFile: string;
  readonly host: string;
  readonly imap: HarnessInfo['imap'];
  readonly pop3: HarnessInfo['pop3'];
  readonly xoauth2Only: HarnessInfo['xoauth2Only'];
  readonly smtp: HarnessInfo['smtp'];
  readonly provider: HarnessInfo['provider'];
  readonly logFiles: HarnessInfo['logFiles'];
  readonly #mail: MailStore;

  constructor(
    readonly info: HarnessInfo,
    private readonly control: HarnessControl,
    private readonly ca: string,
  ) {
    ({ caFile: this.caFile, host: this.host, imap: this.imap, pop3: this.pop3 } = info);
    ({ xoauth2Only: this.xoauth2Only, smtp: this.smtp, provider: this.provider, logFiles: this.logFiles } = info);
    this.#mail = new MailStore(info.mail.root, info.mail.owner);
  }

  listUsers(): Promise<TestUser[]> {
    return this.control.listUsers();
  }

  /** Adds a mailbox and an identity-provider account with the same password; resolves when both servers know it. */
  addUser(email: string, password: string): Promise<void> {
    return this.control.addUsers([{ email, password }]);
  }

  /** Like addUser for many users at once: much faster than one by one, which takes up to 1 s each. */
  addUsers(users: readonly TestUser[]): Promise<void> {
    return this.control.addUsers(users);
  }

  /** A mailbox whose account cannot sign in (no password, Dovecot's nologin), like a Microsoft 365 shared mailbox. */
  addSharedMailbox(email: string): Promise<void> {
    return this.control.addSharedMailbox(email);
  }

  /** Exchange's Full Access (IMAP/POP3 as user=<mailbox>, the member's token) and Send As (MAIL FROM:<mailbox>); replaces earlier rights from the next login on. */
  grantMailboxAccess(member: string, mailbox: string, rights: MailboxRights): Promise<void> {
    return this.control.grantMailboxAccess(member, mailbox, rights);
  }

  /** Takes away both rights; the next login or message is refused. */
  revokeMailboxAccess(member: string, mailbox: string): Promise<void> {
    return this.control.revokeMailboxAccess(member, mailbox);
  }

  /** Another address of `mailbox`: mail to it lands there with X-Original-To and Delivered-To; with sendAs the mailbox's user may send from it. */
  addAlias(alias: string, mailbox: string, options: AliasOptions): Promise<void> {
    return this.control.addAlias(alias, mailbox, options);
  }

  createClient(options: ClientOptions): Promise<TestClient> {
    return this.control.createClient(options);
  }

  /** Runs the authorization-code + PKCE flow over HTTP, as a user would in a browser, and returns the tokens. */
  async authorize(client: TestClient, email: string, options: AuthorizeOptions = {}): Promise<TokenSet> {
    const password = options.password ?? (await this.listUsers()).find((user) => user.email === email.toLowerCase())?.password;
    if (password === undefined) throw new Error(`no test user ${email}`);
    return authorizeHeadless(this.provider, this.ca, client, {
      email,
      password,
      scope: options.scope ?? this.provider.defaultScope,
      redirectUri: options.redirectUri,
    });
  }

  /**
   * Signs in at the provider from someone else's authorization URL (Intake's), as a person
   * would, and returns the callback URL the provider redirects to (code, state, iss).
   */
  async signInAt(authorizationUrl: string, redirectUri: string, email: string, password?: string): Promise<URL> {
    const secret = password ?? (await this.listUsers()).find((user) => user.email === email.toLowerCase())?.password;
    if (secret === undefined) throw new Error(`no test user ${email}`);
    return signInAt(authorizationUrl, redirectUri, this.ca, { email, password: secret });
  }

  /** A refresh_token grant; with rotation on, the answer holds a new refresh token. */
  refresh(client: TestClient, refreshToken: string): Promise<TokenSet> {
    return tokenRequest(this.provider, this.ca, client, { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** Revokes what an account granted (to one client, or all); its tokens stop working at once. Returns the number of grants. */
  revokeGrants(email: string, clientId?: string): Promise<number> {
    return this.control.revokeGrants(email, clientId);
  }

  startProvider(): Promise<void> {
    return this.control.startProvider();
  }

  /** An identity-provider outage: connections refused; issued tokens stay valid for when it returns. */
  stopProvider(): Promise<void> {
    return this.control.stopProvider();
  }

  startDovecot(): Promise<void> {
    return this.control.startDovecot();
  }

  /** A mail-server outage (both instances); startDovecot() brings them back on the same ports. */
  stopDovecot(): Promise<void> {
    return this.control.stopDovecot();
  }

  /** What the SMTP submission server accepted (oldest first), whether or not a recipient is a test user. */
  async sentMessages(filter?: SentMessageFilter): Promise<SentMessage[]> {
    return (await this.control.sentMessages(filter)).map(decodeSentMessage);
  }

  clearSentMessages(): Promise<void> {
    return this.control.clearSentMessages();
  }

  startSmtp(): Promise<void> {
    return this.control.startSmtp();
  }

  /** An outage of SMTP submission (both ports): sessions are cut with a 421; startSmtp() reopens the same ports. */
  stopSmtp(): Promise<void> {
    return this.control.stopSmtp();
  }

  /** Sending limited as Exchange Online limits it: beyond `perMinute` a minute, 432 4.3.2; null lifts the limit. */
  limitSending(email: string, perMinute: number | null): Promise<void> {
    return this.control.limitSending(email, perMinute);
  }

  /** How often `email` tried to send (MAIL FROM), accepted or refused. */
  sendingAttempts(email: string): Promise<number> {
    return this.control.sendingAttempts(email);
  }

  /** Delivers a raw message straight into the Maildir (an alias's mailbox's for an alias), as a delivery agent would; returns its file name. */
  deliver(email: string, raw: Buffer, options?: DeliverOptions): Promise<string> {
    return this.#mail.deliver(email, raw, options);
  }

  deliverMany(email: string, raws: Buffer[], options?: DeliverOptions): Promise<string[]> {
    return this.#mail.deliverMany(email, raws, options);
  }

  /** The folder gets a new UIDVALIDITY and its messages new UIDs, as after a server-side rebuild. */
  resetUidValidity(email: string, folder?: string): Promise<void> {
    return this.#mail.resetUidValidity(email, folder);
  }

  createFolder(email: string, folder: string): Promise<void> {
    return this.#mail.createFolder(email, folder);
  }

  /** A mailbox's messages byte for byte with their flags, oldest delivery first. */
  listMessages(email: string, folder?: string): Promise<StoredMessage[]> {
    return this.#mail.listMessages(email, folder);
  }
}

/** The harness as returned to the process that started it, which alone can stop it. */
export class RunningHarness extends Harness {
  #stopped = false;

  constructor(
    info: HarnessInfo,
    control: HarnessControl,
    ca: string,
    private readonly stopStack: () => Promise<void>,
  ) {
    super(info, control, ca);
  }

  /** Stops what the harness started, by pid, then deletes its temp folder. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.stopStack();
  }
}

/** Starts Dovecot (two instances), SMTP submission, the identity provider and the test users on random loopback ports. */
export async function startHarness(options: HarnessOptions = {}): Promise<RunningHarness> {
  const stack = await startStack(options.users ?? []);
  const ca = await readFile(stack.info.caFile, 'utf8');
  return new RunningHarness(stack.info, stack.control, ca, stack.stop);
}

/** Uses a harness another process started, from its info (by default from the INTAKE_TEST_HARNESS variable). */
export async function attachHarness(info?: HarnessInfo): Promise<Harness> {
  const json = process.env[harnessInfoEnv];
  const found = info ?? (json ? (JSON.parse(json) as HarnessInfo) : undefined);
  if (!found) throw new Error(`no harness info given and ${harnessInfoEnv} is not set: start one with startHarness() first`);
  const ca = await readFile(found.caFile, 'utf8');
  return new Harness(found, new RemoteControl(found.control, ca), ca);
}
