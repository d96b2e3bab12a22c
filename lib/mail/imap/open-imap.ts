import { ImapFlow } from 'imapflow';
import { classifyMailError, withTimeout } from '../mail-error';
import { MAIL_TIMEOUTS, type MailServerSettings, maxLiteralBytes } from '../mail-settings';
import { resolveMailHost } from '../resolve-mail-host';

type ErrorContext = Parameters<typeof classifyMailError>[1];

/** What each open client's failures are described with: its server and folder. */
const errorContexts = new WeakMap<ImapFlow, ErrorContext>();

/**
 * A connected, authenticated IMAP client. One instance per connection life: after it closes,
 * open a new one. Certificate verification is always on (Node's defaults, plus NODE_EXTRA_CA_CERTS).
 */
export async function openImap(settings: MailServerSettings, options: { idle?: boolean } = {}): Promise<ImapFlow> {
  const context = { host: settings.host, port: settings.port, folder: settings.folder, usesOAuth: settings.credential.kind === 'oauth' };
  const target = await resolveMailHost(settings.host).catch((error: unknown) => {
    throw classifyMailError(error, context);
  });
  const client = new ImapFlow({
    host: target.address,
    servername: target.servername,
    port: settings.port,
    secure: settings.security === 'tls',
    doSTARTTLS: settings.security === 'starttls' ? true : undefined,
    auth:
      settings.credential.kind === 'oauth'
        ? { user: settings.username, accessToken: settings.credential.accessToken }
        : { user: settings.username, pass: settings.credential.password },
    logger: false,
    disableAutoIdle: !options.idle,
    connectionTimeout: MAIL_TIMEOUTS.connectMs,
    greetingTimeout: MAIL_TIMEOUTS.greetingMs,
    socketTimeout: MAIL_TIMEOUTS.socketMs,
    // Re-issue IDLE well before servers drop it (RFC 2177 allows 29 minutes; many servers less).
    maxIdleTime: 20 * 60_000,
    clientInfo: { name: 'Intake' },
    // A server may claim any RFC822.SIZE: no literal may exceed what Intake would store.
    maxLiteralSize: maxLiteralBytes(),
    maxResponseSize: 2 * maxLiteralBytes(),
  });
  // A socket error after connect must not crash the process; the next command reports it.
  client.on('error', () => {});
  try {
    await withTimeout(client.connect(), MAIL_TIMEOUTS.connectMs + MAIL_TIMEOUTS.greetingMs + MAIL_TIMEOUTS.commandMs, () => client.close(), 'Connecting');
    errorContexts.set(client, context);
    return client;
  } catch (error) {
    client.close();
    throw classifyMailError(error, context);
  }
}

/**
 * Runs one IMAP command with a deadline; a command that hangs closes the connection. A failure
 * that cost the connection comes out as a MailConnectionError: a connection lost mid-poll (the
 * server stopped) would otherwise reach the mailbox status as imapflow's bare "Connection not
 * available". The server's refusals on a live connection are left to the caller.
 */
export function imapCommand<T>(client: ImapFlow, work: Promise<T>, what: string, ms: number = MAIL_TIMEOUTS.commandMs): Promise<T> {
  return withTimeout(work, ms, () => client.close(), what).catch((error: unknown) => {
    const context = errorContexts.get(client);
    throw context && !client.usable ? classifyMailError(error, context) : error;
  });
}
