import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { openImap, imapCommand } from './imap/open-imap';
import { classifyMailError, type MailConnectionError, withTimeout } from './mail-error';
import { MAIL_TIMEOUTS, type MailServerSettings } from './mail-settings';
import { Pop3Client } from './pop3/pop3-client';
import { resolveMailHost } from './resolve-mail-host';

export type ConnectionStepName = 'Resolve' | 'Connect' | 'TLS' | 'Authenticate' | 'Open folder' | 'Message count' | 'Outgoing mail (SMTP)';

export interface ConnectionStep {
  step: ConnectionStepName;
  ok: boolean;
  detail: string;
}

/**
 * What the mailbox held when it was tested: the mail that is there before it is connected,
 * which the Existing mail choice decides (see record-existing-mail.ts).
 */
export type ExistingMailSnapshot =
  | { protocol: 'imap'; folder: string; uidValidity: bigint; uidNext: number; messages: number; unread: number }
  | { protocol: 'pop3'; uidls: string[] };

export interface ConnectionTestResult {
  ok: boolean;
  steps: ConnectionStep[];
  /** Present when a step failed. */
  error?: MailConnectionError;
  messageCount?: number;
  existingMail?: ExistingMailSnapshot;
}

const messagesWord = (count: number) => `${count.toLocaleString('en-US')} message${count === 1 ? '' : 's'}`;

function probeSocket(open: () => Socket, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = open();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, MAIL_TIMEOUTS.connectMs);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * Checks a mailbox step by step — resolve → connect → TLS → authenticate → open folder →
 * message count — and stops at the first failure with a plain-language reason.
 */
export async function testMailConnection(settings: MailServerSettings): Promise<ConnectionTestResult> {
  const steps: ConnectionStep[] = [];
  const context = { host: settings.host, port: settings.port, folder: settings.folder, usesOAuth: settings.credential.kind === 'oauth' };
  const run = async <T>(step: ConnectionStepName, work: () => Promise<T>, describe: (value: T) => string): Promise<T> => {
    try {
      const value = await work();
      steps.push({ step, ok: true, detail: describe(value) });
      return value;
    } catch (error) {
      const failure = classifyMailError(error, context);
      steps.push({ step, ok: false, detail: failure.message });
      throw failure;
    }
  };

  try {
    // Only a checked address is probed: a refused host gets no socket at all.
    const target = await run(
      'Resolve',
      () => resolveMailHost(settings.host),
      (resolved) => (resolved.address === resolved.host ? `${settings.host} is an address.` : `${settings.host} is ${resolved.address}.`),
    );
    await run(
      'Connect',
      () => probeSocket(() => connectTcp({ host: target.address, port: settings.port }), 'connect'),
      () => `Port ${settings.port} is open.`,
    );
    if (settings.security === 'tls') {
      await run(
        'TLS',
        () => probeSocket(() => connectTls({ host: target.address, port: settings.port, servername: target.servername }), 'secureConnect'),
        () => 'The certificate is valid and trusted.',
      );
    }
    const protocolName = settings.protocol === 'imap' ? 'IMAP' : 'POP3';
    const mechanism = settings.credential.kind === 'oauth' ? 'OAuth 2.0' : 'password';
    if (settings.protocol === 'imap') {
      const client = await run(
        'Authenticate',
        () => openImap(settings),
        () => `Signed in to ${protocolName} as ${settings.username} with ${mechanism}${settings.security === 'starttls' ? ' after STARTTLS' : ''}.`,
      );
      try {
        const mailbox = await run(
          'Open folder',
          () => imapCommand(client, client.mailboxOpen(settings.folder, { readOnly: true }), 'Opening the folder'),
          () => `Opened ${settings.folder}.`,
        );
        const unread =
          mailbox.exists > 0 ? ((await imapCommand(client, client.search({ seen: false }, { uid: true }), 'Counting unread mail')) || []).length : 0;
        steps.push({
          step: 'Message count',
          ok: true,
          detail: `${messagesWord(mailbox.exists)} in ${settings.folder}, ${unread.toLocaleString('en-US')} unread.`,
        });
        const existingMail = {
          protocol: 'imap' as const,
          folder: settings.folder,
          uidValidity: BigInt(mailbox.uidValidity),
          uidNext: mailbox.uidNext,
          messages: mailbox.exists,
          unread,
        };
        return { ok: true, steps, messageCount: mailbox.exists, existingMail };
      } finally {
        await withTimeout(client.logout(), MAIL_TIMEOUTS.commandMs, () => client.close(), 'Logging out').catch(() => client.close());
      }
    }
    const pop3 = await run(
      'Authenticate',
      () => Pop3Client.connect(settings),
      () => `Signed in to ${protocolName} as ${settings.username} with ${mechanism}${settings.security === 'starttls' ? ' after STLS' : ''}.`,
    );
    try {
      const status = await run(
        'Open folder',
        () => pop3.stat(),
        () => 'Opened the POP3 inbox.',
      );
      steps.push({ step: 'Message count', ok: true, detail: `${messagesWord(status.count)} on the server.` });
      // A server without UIDL cannot tell its messages apart across connections: nothing to record.
      const uidls = status.count > 0 ? await pop3.uidl() : new Map<number, string>();
      return { ok: true, steps, messageCount: status.count, existingMail: { protocol: 'pop3', uidls: uidls ? [...uidls.values()] : [] } };
    } finally {
      await pop3.quit().catch(() => pop3.close());
    }
  } catch (error) {
    return { ok: false, steps, error: error as MailConnectionError };
  }
}
