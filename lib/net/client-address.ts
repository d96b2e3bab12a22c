import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { AddressAllowList, splitListSetting, unmapped } from './address-range';

/**
 * Which hops in front of Intake may say who the client is: none (the socket's peer is the
 * client), the last N hops, or the hops at these addresses.
 */
export type TrustedProxies = { kind: 'none' } | { kind: 'hops'; count: number } | { kind: 'addresses'; list: AddressAllowList };

/**
 * The header Intake's own HTTP server sets on every request, replacing whatever the client sent,
 * because Next.js passes a client-written `X-Forwarded-For` through untouched.
 */
export const CLIENT_ADDRESS_HEADER = 'x-intake-client-address';

/** `TRUSTED_PROXIES`: empty, a hop count (`1`), or addresses and networks (`10.0.0.0/8, 192.0.2.7`). */
export function parseTrustedProxies(value: string | undefined): TrustedProxies | null {
  const entries = splitListSetting(value);
  if (entries.length === 0) return { kind: 'none' };
  if (entries.length === 1 && /^\d{1,2}$/.test(entries[0]!)) return { kind: 'hops', count: Number(entries[0]) };
  // A host name would be resolved at each request, and a forwarded address never names one.
  if (!entries.every((entry) => AddressAllowList.isValidEntry(entry) && isIP(entry.split('/')[0]!) !== 0)) return null;
  return { kind: 'addresses', list: new AddressAllowList(entries) };
}

/** One `X-Forwarded-For` entry as an address: `[2001:db8::1]:443` and `192.0.2.7:51000` lose the port. */
function forwardedAddress(entry: string): string | null {
  const trimmed = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(trimmed);
  const address = bracketed?.[1] ?? withPort?.[1] ?? trimmed;
  return isIP(address) === 0 ? null : unmapped(address);
}

/**
 * The client's address: the first hop, counted from the right of `X-Forwarded-For` followed by
 * the socket's peer, that is not a trusted proxy. Entries to its left were written by the client
 * and say nothing. An entry that is not an address ends the walk at the last hop that wrote one.
 */
export function clientAddressOf(request: { socketAddress: string | undefined; forwardedFor: string | string[] | undefined }, trusted: TrustedProxies): string {
  if (!request.socketAddress) return 'unknown';
  const socket = unmapped(request.socketAddress);
  if (trusted.kind === 'none') return socket;
  const forwarded = [request.forwardedFor ?? []].flat().flatMap((header) => header.split(','));
  const hops = [...forwarded.map(forwardedAddress), socket].reverse();
  let client = socket;
  for (const [passed, hop] of hops.entries()) {
    if (hop === null) return client;
    const isTrusted = trusted.kind === 'hops' ? passed < trusted.count : trusted.list.allowsAddress(hop);
    if (!isTrusted) return hop;
    client = hop;
  }
  return client;
}

/** Wraps an HTTP request listener so that it finds the client's address in `CLIENT_ADDRESS_HEADER`, and nothing a client wrote there. */
export function withClientAddress(trusted: TrustedProxies, listener: (request: IncomingMessage, response: ServerResponse) => unknown): RequestListener {
  return (request, response) => {
    request.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(
      { socketAddress: request.socket.remoteAddress, forwardedFor: request.headers['x-forwarded-for'] },
      trusted,
    );
    void listener(request, response);
  };
}
