import { BlockList, isIP } from 'node:net';

/**
 * Where an IP address points: the public internet, or a range that only reaches this machine or
 * its own networks. Anything but `public` is what a server-side request forgery aims at.
 */
export type AddressRange = 'public' | 'loopback' | 'private' | 'link_local' | 'unique_local' | 'unspecified' | 'other_reserved';

const RANGES: Array<[Exclude<AddressRange, 'public'>, 'ipv4' | 'ipv6', string, number]> = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  // Carrier-grade NAT: not the public internet either.
  ['private', 'ipv4', '100.64.0.0', 10],
  ['link_local', 'ipv4', '169.254.0.0', 16],
  ['other_reserved', 'ipv4', '192.0.0.0', 24],
  ['other_reserved', 'ipv4', '198.18.0.0', 15],
  ['other_reserved', 'ipv4', '224.0.0.0', 3],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['unique_local', 'ipv6', 'fc00::', 7],
  ['link_local', 'ipv6', 'fe80::', 10],
  ['other_reserved', 'ipv6', 'ff00::', 8],
];

const lists = new Map<Exclude<AddressRange, 'public'>, BlockList>();
for (const [range, family, network, prefix] of RANGES) {
  const list = lists.get(range) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  lists.set(range, list);
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address it carries. */
export function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}

export function addressRangeOf(address: string): AddressRange {
  const plain = unmapped(address.replace(/^\[|\]$/g, ''));
  const family = isIP(plain);
  if (family === 0) throw new TypeError('not an IP address');
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [range, list] of lists) if (list.check(plain, type)) return range;
  return 'public';
}

/**
 * A host name or IP literal that names this machine, without resolving it: what providers accept
 * over plain http and what Intake treats as a local endpoint.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && addressRangeOf(host) === 'loopback';
}

/**
 * A list of addresses and networks (`10.0.0.0/8`, `192.0.2.7`, `fd00::/8`) and host names, as
 * admins write it in a setting: entries separated by commas or spaces.
 */
export class AddressAllowList {
  private readonly networks = new BlockList();
  private readonly names = new Set<string>();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [network, prefix] = entry.split('/');
      const family = isIP(network ?? '');
      if (family === 0) {
        this.names.add(entry.toLowerCase());
        continue;
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      this.networks.addSubnet(network!, prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix), type);
    }
  }

  /** Whether a setting's value is a valid entry: an address, a network with its prefix length, or a host name. */
  static isValidEntry(entry: string): boolean {
    const [network, prefix, ...rest] = entry.split('/');
    if (rest.length > 0) return false;
    const family = isIP(network ?? '');
    if (family === 0) return prefix === undefined && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry);
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  }

  allowsName(host: string): boolean {
    return this.names.has(host.toLowerCase());
  }

  allowsAddress(address: string): boolean {
    const plain = unmapped(address);
    return this.networks.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Splits a list setting written with commas, spaces or line breaks. */
export function splitListSetting(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
