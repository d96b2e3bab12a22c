import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { issueServerCert } from '../harness/ca';

export interface ScriptedImapServer {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Every byte clients sent, as Latin-1 text. */
  received(): string;
  close(): Promise<void>;
}

/**
 * An IMAP server over TLS, trusted like a real one (test CA; 127.0.0.1 or the harness's mail
 * host), that answers just enough for a client to try logging in: every login, and every command
 * but CAPABILITY and LOGOUT, gets `answer` (a refusal, or a provider's throttling). It records
 * each connection and each byte, so a test can tell whether and how often a client came.
 */
export async function startScriptedImapServer(host: string, answer: string): Promise<ScriptedImapServer> {
  const folder = mkdtempSync(path.join(tmpdir(), 'intake-scripted-imap-'));
  const { certFile, keyFile } = await issueServerCert(folder);
  let received = '';
  let connections = 0;
  const capabilities = 'IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2';
  const server = createTlsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (socket) => {
    connections++;
    socket.on('error', () => {});
    socket.write(`* OK [CAPABILITY ${capabilities}] ready\r\n`);
    let pending = '';
    // AUTHENTICATE without an initial response waits for "+", then the credential comes on its own line.
    let awaitingCredentialFor: string | undefined;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const [tag = '*', command = '', ...rest] = line.split(' ');
        if (awaitingCredentialFor) {
          socket.write(`${awaitingCredentialFor} ${answer}\r\n`);
          awaitingCredentialFor = undefined;
        } else if (/^CAPABILITY$/i.test(command)) socket.write(`* CAPABILITY ${capabilities}\r\n${tag} OK done\r\n`);
        else if (/^AUTHENTICATE$/i.test(command) && rest.length === 1) {
          awaitingCredentialFor = tag;
          socket.write('+ \r\n');
        } else if (/^LOGOUT$/i.test(command)) socket.end(`* BYE\r\n${tag} OK done\r\n`);
        else socket.write(`${tag} ${answer}\r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    received: () => received,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
