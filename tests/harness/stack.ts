import { rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Accounts, defaultUsers, passwdFileSeen, type TestUser } from './accounts';
import { ensureTestCa, issueServerCert } from './ca';
import { type ControlEndpoint, type HarnessControl, serveControl } from './control';
import { DovecotInstance } from './dovecot';
import type { DovecotPorts } from './dovecot-config';
import { MailStore } from './maildir';
import { mailHost } from './net';
import { defaultScope, mailScope, type ProviderEndpoints, TestProvider } from './provider';
import { type SmtpPorts, SmtpSubmission } from './smtp';
import { encodeSentMessage } from './smtp-capture';
import { ensureDovecotInstalled, type MailOwner, mailOwner } from './system';

/** Everything a test process needs to use a running harness; plain JSON, so it can cross processes. */
export interface HarnessInfo {
  /** The harness's own temp folder: configs, Maildirs, logs. */
  dir: string;
  caFile: string;
  /** Where the mail servers listen; the provider's issuer has its own address. */
  host: string;
  imap: DovecotPorts['imap'];
  pop3: DovecotPorts['pop3'];
  /** The same mailboxes behind servers that offer XOAUTH2 but not OAUTHBEARER, as Microsoft does. */
  xoauth2Only: DovecotPorts;
  provider: ProviderEndpoints & { mailScope: string; defaultScope: string };
  /** Submission for the test users on `host`; tokens need the same mail scope as for IMAP and POP3. */
  smtp: SmtpPorts;
  /** Dovecot's logs, for diagnosing a failing test. */
  logFiles: { main: string; xoauth2Only: string };
  mail: { root: string; owner: MailOwner };
  control: ControlEndpoint;
}

export interface Stack {
  info: HarnessInfo;
  control: HarnessControl;
  stop(): Promise<void>;
}

/** If the process exits without stop() (a crash, process.exit), still leave no Dovecot and no files behind. */
function guardExit(dir: string, dovecots: DovecotInstance[]): () => void {
  const onExit = () => {
    for (const dovecot of dovecots) dovecot.killNow();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return () => process.off('exit', onExit);
}

/** A change of the files Dovecot reads, resolving once a running Dovecot sees it. */
function seenByDovecot<Args extends unknown[]>(change: (...args: Args) => Promise<void>): (...args: Args) => Promise<void> {
  return async (...args) => {
    await change(...args);
    await passwdFileSeen();
  };
}

/** Starts the identity provider, two Dovecot instances, SMTP submission and the control server; stop() undoes it all. */
export async function startStack(extraUsers: readonly TestUser[]): Promise<Stack> {
  await ensureDovecotInstalled();
  const [caFile, owner, dir] = await Promise.all([ensureTestCa(), mailOwner(), mkdtemp(join(tmpdir(), 'intake-harness-'))]);
  const dovecots: DovecotInstance[] = [];
  const releaseExitGuard = guardExit(dir, dovecots);
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    await Promise.all(stoppers.map((stop) => stop()));
    // Only now: Dovecot keeps sockets and indexes in the folder until it has stopped.
    await rm(dir, { recursive: true, force: true });
    releaseExitGuard();
  };
  try {
    // Dovecot's unprivileged processes must reach the configs and Maildirs below.
    await chmod(dir, 0o755);
    const certificate = await issueServerCert(dir);
    const tls = { cert: await readFile(certificate.certFile), key: await readFile(certificate.keyFile) };
    const mailRoot = join(dir, 'mail');
    const mail = new MailStore(mailRoot, owner);
    const accounts = new Accounts(dir, mail);
    await accounts.add([...defaultUsers, ...extraUsers]);

    const provider = await TestProvider.create(tls, accounts);
    stoppers.push(() => provider.stop());
    const common = {
      certificate,
      owner,
      passwdFile: accounts.passwdFile,
      fullAccessFile: accounts.fullAccessFile,
      introspection: { url: provider.endpoints.introspectionEndpoint, ...provider.introspectionClient, scope: mailScope, caFile },
    };
    const main = await DovecotInstance.create({
      ...common,
      name: 'main',
      dir: join(dir, 'dovecot-main'),
      oauthMechanisms: ['xoauth2', 'oauthbearer'],
    });
    const xoauth2Only = await DovecotInstance.create({
      ...common,
      name: 'xoauth2-only',
      dir: join(dir, 'dovecot-xoauth2-only'),
      oauthMechanisms: ['xoauth2'],
    });
    dovecots.push(main, xoauth2Only);
    const startDovecot = async () => {
      await Promise.all(dovecots.map((dovecot) => dovecot.start()));
    };
    const stopDovecot = async () => {
      await Promise.all(dovecots.map((dovecot) => dovecot.stop()));
    };
    stoppers.push(stopDovecot);
    await startDovecot();

    const smtp = await SmtpSubmission.create({ tls, accounts, mail, introspection: common.introspection });
    stoppers.push(() => smtp.stop());
    await smtp.start();

    const control: HarnessControl = {
      listUsers: async () => accounts.list(),
      addUsers: seenByDovecot((users) => accounts.add(users)),
      addSharedMailbox: seenByDovecot((email) => accounts.addSharedMailbox(email)),
      grantMailboxAccess: seenByDovecot((member, mailbox, rights) => accounts.grant(member, mailbox, rights)),
      revokeMailboxAccess: seenByDovecot((member, mailbox) => accounts.revoke(member, mailbox)),
      // Dovecot knows nothing of aliases; deliveries read the alias file each time.
      addAlias: (alias, mailbox, options) => accounts.addAlias(alias, mailbox, options),
      createClient: (options) => provider.createClient(options),
      revokeGrants: async (email, clientId) => provider.revokeGrants(email, clientId),
      startProvider: () => provider.start(),
      stopProvider: () => provider.stop(),
      startDovecot,
      stopDovecot,
      sentMessages: async (filter) => smtp.sent(filter).map(encodeSentMessage),
      clearSentMessages: async () => smtp.clearSent(),
      startSmtp: () => smtp.start(),
      stopSmtp: () => smtp.stop(),
      // Over HTTP a null argument arrives as undefined.
      limitSending: async (email, perMinute) => smtp.limitSending(email, perMinute ?? null),
      sendingAttempts: async (email) => smtp.sendingAttempts(email),
    };
    const controlServer = await serveControl(control, tls);
    stoppers.push(() => controlServer.close());

    const info: HarnessInfo = {
      dir,
      caFile,
      host: mailHost,
      imap: main.ports.imap,
      pop3: main.ports.pop3,
      xoauth2Only: xoauth2Only.ports,
      smtp: smtp.ports,
      provider: { ...provider.endpoints, mailScope, defaultScope },
      logFiles: { main: main.logFile, xoauth2Only: xoauth2Only.logFile },
      mail: { root: mailRoot, owner },
      control: { url: controlServer.url, token: controlServer.token },
    };
    return { info, control, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
