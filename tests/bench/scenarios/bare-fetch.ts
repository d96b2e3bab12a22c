import { ImapFlow } from 'imapflow';
import type { DatabaseHandle } from '@/db/client';
import { Pop3Client } from '@/lib/mail/pop3/pop3-client';
import { getMailboxAccessToken } from '@/lib/mailboxes/mailbox-access-token';
import type { Harness } from '../../harness';

/** `sizesOnly`: sizes without sources, for a first look at a new mailbox. */
export interface FetchOptions {
  sizesOnly?: boolean;
}

export interface FetchFigure {
  messages: number;
  seconds: number;
}

/**
 * The network and server limit for IMAP: one imapflow FETCH of every message's source over the
 * same TLS port with the channel's own XOAUTH2 token, nothing done with the bytes.
 */
export async function bareImapFetch(
  harness: Harness,
  database: DatabaseHandle,
  mailboxId: string,
  address: string,
  { sizesOnly = false }: FetchOptions = {},
): Promise<FetchFigure> {
  const accessToken = await getMailboxAccessToken({ database, mailboxId });
  const started = performance.now();
  const client = new ImapFlow({
    host: harness.host,
    port: harness.xoauth2Only.imap.tlsPort,
    secure: true,
    auth: { user: address, accessToken },
    logger: false,
  });
  await client.connect();
  let messages = 0;
  try {
    await client.mailboxOpen('INBOX', { readOnly: true });
    for await (const message of client.fetch('1:*', { uid: true, size: true, source: !sizesOnly })) if (message.source || sizesOnly) messages++;
  } finally {
    await client.logout();
  }
  return { messages, seconds: (performance.now() - started) / 1000 };
}

/** The same for POP3: LIST, UIDL and a RETR of each message with Intake's protocol client, no DELE. */
export async function barePop3Fetch(
  harness: Harness,
  database: DatabaseHandle,
  mailboxId: string,
  address: string,
  { sizesOnly = false }: FetchOptions = {},
): Promise<FetchFigure> {
  const accessToken = await getMailboxAccessToken({ database, mailboxId });
  const started = performance.now();
  const client = await Pop3Client.connect({
    protocol: 'pop3',
    host: harness.host,
    port: harness.xoauth2Only.pop3.tlsPort,
    security: 'tls',
    folder: 'INBOX',
    username: address,
    credential: { kind: 'oauth', accessToken },
  });
  let messages = 0;
  try {
    const sizes = await client.list();
    await client.uidl();
    for (const number of sizes.keys()) if (sizesOnly || (await client.retr(number)).length > 0) messages++;
  } finally {
    await client.quit();
  }
  return { messages, seconds: (performance.now() - started) / 1000 };
}
