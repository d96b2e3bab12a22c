import { readFile } from 'node:fs/promises';

import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

import type { Accounts } from './accounts';
import type { IntrospectionSettings } from './dovecot-config';
import { readAll } from './http';
import type { MailStore } from './maildir';
import { freePorts, listen, mailHost } from './net';
import { smtpAuthenticator, smtpError, type SmtpUser } from './smtp-auth';
import { SentLog, type SentMessage, type SentMessageFilter } from './smtp-capture';

export interface SmtpPorts {
  /** Implicit TLS, like smtp.gmail.com:465. */
  tlsPort: number;
  /** Plain text until a mandatory STARTTLS, like smtp.office365.com:587. */
  starttlsPort: number;
}

export interface SmtpOptions {
  tls: { cert: Buffer; key: Buffer };
  accounts: Accounts;
  mail: MailStore;
  /** The same introspection client and scope Dovecot uses. */
  introspection: IntrospectionSettings;
}

/** What Exchange Online answers a mailbox over its sending rate. */
const EXCHANGE_THROTTLED = '4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=intake-harness]';

/** What Exchange Online answers, after DATA, a user who sends as a mailbox without Send As. */
const sendAsDenied = (user: string, sender: string) =>
  `5.2.252 SendAsDenied; ${user} not allowed to send as ${sender}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied`;

/**
 * Closes at once, as an outage would: open sessions get the 421 smtp-server itself sends
 * after its closeTimeout, handshakes in progress are dropped.
 */
async function closeNow(server: SMTPServer): Promise<void> {
  const closed = new Promise((resolve) => server.server.close(resolve));
  // smtp-server takes a just-accepted socket into TLS or a session only on the next turn of the
  // loop (setImmediate). Closed before that, it would later wrap a destroyed socket in TLS, which
  // crashes Node 20 (segfault in getProtocol). After server.close() nothing new is accepted, so
  // one turn settles every socket.
  await new Promise((resolve) => setImmediate(resolve));
  server.close();
  for (const connection of server.connections) {
    connection.send(421, 'Service not available, closing transmission channel');
    connection.close();
  }
  await closed;
}

/**
 * Mail submission as at a real provider: only signed-in test users may send, in their own
 * name or one they may send as. What they send lands in the INBOX of every recipient who is a
 * test mailbox or alias, and every accepted message, to whomever, is kept in a log the tests read.
 */
export class SmtpSubmission {
  readonly #log = new SentLog();
  readonly #limits = new Map<string, number>();
  readonly #attempts = new Map<string, number>();
  readonly #options: SMTPServerOptions;
  #servers: SMTPServer[] = [];

  private constructor(
    readonly ports: SmtpPorts,
    private readonly setup: SmtpOptions,
    ca: string,
  ) {
    this.#options = {
      ...setup.tls,
      name: 'localhost',
      minVersion: 'TLSv1.2',
      authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
      disableReverseLookup: true,
      logger: false,
      onAuth: smtpAuthenticator(setup.accounts, setup.introspection, ca),
      onMailFrom: (address, session, callback) => {
        // MAIL is refused before AUTH (authOptional is off), so the session has its user.
        const user = session.user as SmtpUser;
        this.#attempts.set(user.email, (this.#attempts.get(user.email) ?? 0) + 1);
        const { accounts } = setup;
        if (!accounts.maySendAs(user.email, address.address) && !accounts.checksSendAsAfterData(user.email, address.address))
          callback(smtpError(553, `<${address.address}>: Sender address rejected: not owned by user ${user.email}`));
        else if (this.#overLimit(user.email)) callback(smtpError(432, EXCHANGE_THROTTLED));
        else callback();
      },
      onData: (stream, session, callback) => {
        readAll(stream)
          .then((raw) => this.accept(session, raw))
          .then(
            () => callback(),
            (error: Error) => callback('responseCode' in error ? error : smtpError(451, `Local error in processing: ${error.message}`)),
          );
      },
    };
  }

  static async create(setup: SmtpOptions): Promise<SmtpSubmission> {
    const [tlsPort = 0, starttlsPort = 0] = await freePorts(mailHost, 2);
    const ca = await readFile(setup.introspection.caFile, 'utf8');
    return new SmtpSubmission({ tlsPort, starttlsPort }, setup, ca);
  }

  /** Listens on the same ports every time, so clients' settings survive an outage. */
  async start(): Promise<void> {
    if (this.#servers.length > 0) return;
    try {
      await Promise.all([this.listen(true, this.ports.tlsPort), this.listen(false, this.ports.starttlsPort)]);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map(closeNow));
  }

  /**
   * Exchange Online's per-mailbox limit: at most `perMinute` messages accepted from `email` in any
   * minute, beyond which MAIL FROM is answered as Exchange does; null lifts it.
   */
  limitSending(email: string, perMinute: number | null): void {
    if (perMinute === null) this.#limits.delete(email.toLowerCase());
    else this.#limits.set(email.toLowerCase(), perMinute);
  }

  /** MAIL FROM commands from `email`'s sessions so far, refused or not: what a provider counts. */
  sendingAttempts(email: string): number {
    return this.#attempts.get(email.toLowerCase()) ?? 0;
  }

  #overLimit(email: string): boolean {
    const limit = this.#limits.get(email);
    if (limit === undefined) return false;
    const since = Date.now() - 60_000;
    return this.#log.list().filter((message) => message.authUser === email && message.at.getTime() > since).length >= limit;
  }

  sent(filter?: SentMessageFilter): SentMessage[] {
    return this.#log.list(filter);
  }

  clearSent(): void {
    this.#log.clear();
  }

  private listen(secure: boolean, port: number): Promise<void> {
    const server = new SMTPServer({ ...this.#options, secure });
    // A client that fails the TLS handshake or hangs up is reported as a server error, which
    // would crash the harness process if nobody listened.
    server.on('error', () => undefined);
    this.#servers.push(server);
    return listen(server.server, mailHost, port);
  }

  /**
   * Delivered as received, without a Received: header, so tests can compare bytes with what was
   * sent. Send As is decided only now, with the whole message in, as Exchange does.
   */
  private async accept(session: SMTPServerSession, raw: Buffer): Promise<void> {
    const user = session.user as SmtpUser;
    const { mailFrom, rcptTo } = session.envelope;
    const from = mailFrom ? mailFrom.address : '';
    if (!this.setup.accounts.maySendAs(user.email, from)) throw smtpError(554, sendAsDenied(user.email, from));
    const to = rcptTo.map((recipient) => recipient.address);
    const local = new Set(to.map((address) => address.toLowerCase()).filter((address) => this.setup.accounts.receivesMail(address)));
    await Promise.all([...local].map((address) => this.setup.mail.deliver(address, raw)));
    this.#log.add({ from, to, raw, authUser: user.email, authMethod: user.method, at: new Date() });
  }
}
