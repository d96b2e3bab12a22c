import { isIP, connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import type { MailHostTarget } from '../resolve-mail-host';
import { timeoutError } from './pop3-errors';

/**
 * Certificate checks stay on (Node's defaults plus NODE_EXTRA_CA_CERTS); the name checked is the
 * host. SNI carries host names only: RFC 6066 forbids IP literals there (Node warns, DEP0123).
 */
function tlsIdentity(host: string): { host: string; servername?: string } {
  return isIP(host) === 0 ? { host, servername: host } : { host };
}

/** Resolves once `socket` emits `ready`; on an error or after `ms`, destroys it and rejects, keeping Node's error code. */
function settle<T extends Socket>(socket: T, ready: 'connect' | 'secureConnect', ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(timeoutError(what, ms)), ms);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.off(ready, succeed);
      socket.destroy();
      reject(error);
    };
    const succeed = () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    };
    socket.once(ready, succeed);
    socket.once('error', fail);
  });
}

/** Connects to the address resolveMailHost checked; the typed name is kept for the messages. */
export function openPlain(target: MailHostTarget, port: number, ms: number): Promise<Socket> {
  return settle(connectTcp({ host: target.address, port }), 'connect', ms, `Connecting to ${target.host}:${port}`);
}

/** TLS to the checked address; the certificate is checked against the typed name. */
export function openTls(target: MailHostTarget, port: number, ms: number): Promise<TLSSocket> {
  return settle(
    connectTls({ host: target.address, servername: target.servername, port }),
    'secureConnect',
    ms,
    `Connecting securely to ${target.host}:${port}`,
  );
}

/** STLS: the TLS handshake over the connected plain socket (RFC 2595 §4). */
export function upgradeToTls(socket: Socket, host: string, ms: number): Promise<TLSSocket> {
  return settle(connectTls({ ...tlsIdentity(host), socket }), 'secureConnect', ms, `Securing the connection to ${host}`);
}
