import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';

import type { AliasOptions, MailboxRights, TestUser } from './accounts';
import { httpsRequest, readAll } from './http';
import { loopback } from './net';
import type { ClientOptions, TestClient } from './provider';
import type { SentMessageFilter, SentMessageRecord } from './smtp-capture';

/** What only the process that started the harness can do: it holds the provider's memory, Dovecot's pids and the SMTP log. */
export interface HarnessControl {
  listUsers(): Promise<TestUser[]>;
  addUsers(users: readonly TestUser[]): Promise<void>;
  addSharedMailbox(email: string): Promise<void>;
  grantMailboxAccess(member: string, mailbox: string, rights: MailboxRights): Promise<void>;
  revokeMailboxAccess(member: string, mailbox: string): Promise<void>;
  addAlias(alias: string, mailbox: string, options: AliasOptions): Promise<void>;
  createClient(options: ClientOptions): Promise<TestClient>;
  revokeGrants(email: string, clientId?: string): Promise<number>;
  startProvider(): Promise<void>;
  stopProvider(): Promise<void>;
  startDovecot(): Promise<void>;
  stopDovecot(): Promise<void>;
  /** JSON records (raw in base64), so the answer is the same in-process and over HTTP. */
  sentMessages(filter?: SentMessageFilter): Promise<SentMessageRecord[]>;
  clearSentMessages(): Promise<void>;
  startSmtp(): Promise<void>;
  stopSmtp(): Promise<void>;
  limitSending(email: string, perMinute: number | null): Promise<void>;
  sendingAttempts(email: string): Promise<number>;
}

const operations = [
  'listUsers',
  'addUsers',
  'addSharedMailbox',
  'grantMailboxAccess',
  'revokeMailboxAccess',
  'addAlias',
  'createClient',
  'revokeGrants',
  'startProvider',
  'stopProvider',
  'startDovecot',
  'stopDovecot',
  'sentMessages',
  'clearSentMessages',
  'startSmtp',
  'stopSmtp',
  'limitSending',
  'sendingAttempts',
] as const satisfies ReadonlyArray<keyof HarnessControl>;

type Operation = (typeof operations)[number];

const isOperation = (name: string): name is Operation => (operations as readonly string[]).includes(name);

export interface ControlEndpoint {
  url: string;
  token: string;
}

/**
 * Serves the control operations to test processes other than the one that started the
 * harness (vitest and Playwright workers), over HTTPS on loopback with a bearer token.
 */
export async function serveControl(control: HarnessControl, certificate: { cert: Buffer; key: Buffer }): Promise<ControlEndpoint & { close(): Promise<void> }> {
  const token = randomBytes(24).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const server: Server = createServer(certificate, async (req, res) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    const name = (req.url ?? '').slice(1);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    if (req.method !== 'POST' || !isOperation(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      // JSON turns an omitted optional argument into null; the operations expect undefined.
      const args = (JSON.parse((await readAll(req)).toString('utf8')) as unknown[]).map((arg) => arg ?? undefined);
      const result = await (control[name] as (...values: unknown[]) => Promise<unknown>)(...args);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: result ?? null }));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, loopback, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('control server is not listening');
  return {
    url: `https://${loopback}:${address.port}`,
    token,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The control operations of a harness started by another process. */
export class RemoteControl implements HarnessControl {
  constructor(
    private readonly endpoint: ControlEndpoint,
    private readonly ca: string,
  ) {}

  private async call<T>(name: Operation, ...args: unknown[]): Promise<T> {
    const response = await httpsRequest(`${this.endpoint.url}/${name}`, this.ca, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    const answer = JSON.parse(response.body || '{}') as { result?: T; error?: string };
    if (response.status !== 200) throw new Error(`harness ${name} failed (${response.status}): ${answer.error ?? ''}`);
    return answer.result as T;
  }

  listUsers = () => this.call<TestUser[]>('listUsers');
  addUsers = (users: readonly TestUser[]) => this.call<void>('addUsers', users);
  addSharedMailbox = (email: string) => this.call<void>('addSharedMailbox', email);
  grantMailboxAccess = (member: string, mailbox: string, rights: MailboxRights) => this.call<void>('grantMailboxAccess', member, mailbox, rights);
  revokeMailboxAccess = (member: string, mailbox: string) => this.call<void>('revokeMailboxAccess', member, mailbox);
  addAlias = (alias: string, mailbox: string, options: AliasOptions) => this.call<void>('addAlias', alias, mailbox, options);
  createClient = (options: ClientOptions) => this.call<TestClient>('createClient', options);
  revokeGrants = (email: string, clientId?: string) => this.call<number>('revokeGrants', email, clientId);
  startProvider = () => this.call<void>('startProvider');
  stopProvider = () => this.call<void>('stopProvider');
  startDovecot = () => this.call<void>('startDovecot');
  stopDovecot = () => this.call<void>('stopDovecot');
  sentMessages = (filter?: SentMessageFilter) => this.call<SentMessageRecord[]>('sentMessages', filter);
  clearSentMessages = () => this.call<void>('clearSentMessages');
  startSmtp = () => this.call<void>('startSmtp');
  stopSmtp = () => this.call<void>('stopSmtp');
  limitSending = (email: string, perMinute: number | null) => this.call<void>('limitSending', email, perMinute);
  sendingAttempts = (email: string) => this.call<number>('sendingAttempts', email);
}
