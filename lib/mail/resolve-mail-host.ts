import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { getEnv } from '@/lib/env';
import { AddressAllowList, addressRangeOf } from '@/lib/net/address-range';
import { MailConnectionError } from './mail-error';

/** Where a connection goes: the checked address, with the typed name kept for TLS (SNI and the certificate check). */
export interface MailHostTarget {
  host: string;
  address: string;
  /** Absent for an IP literal: SNI carries host names only (RFC 6066). */
  servername?: string;
}

let allowList: { source: readonly string[]; list: AddressAllowList } | undefined;

function allowedPrivateHosts(): AddressAllowList {
  const source = getEnv().MAIL_ALLOWED_PRIVATE_HOSTS;
  if (allowList?.source !== source) allowList = { source, list: new AddressAllowList(source) };
  return allowList.list;
}

/**
 * Resolves a mail server's host once and returns the address to connect to, so what is checked
 * is what is connected to (no DNS rebinding between the two). Addresses of this machine and of
 * private networks are refused unless a system admin listed the host or the network in
 * MAIL_ALLOWED_PRIVATE_HOSTS: otherwise anyone who may edit a mailbox could probe them.
 */
export async function resolveMailHost(host: string, allowed: AddressAllowList = allowedPrivateHosts()): Promise<MailHostTarget> {
  const name = host.replace(/^\[|\]$/g, '');
  const servername = isIP(name) === 0 ? name : undefined;
  const addresses = isIP(name) === 0 ? (await lookup(name, { all: true, verbatim: true })).map((entry) => entry.address) : [name];
  const usable = addresses.find((address) => addressRangeOf(address) === 'public' || allowed.allowsName(name) || allowed.allowsAddress(address));
  if (usable) return { host: name, address: usable, servername };
  const refused = addresses[0]!;
  throw new MailConnectionError(
    'forbidden_host',
    `Intake does not connect to ${name}: ${refused === name ? 'it is' : `it resolves to ${refused},`} an address of this machine or a private network. A system admin can allow it with MAIL_ALLOWED_PRIVATE_HOSTS.`,
  );
}
