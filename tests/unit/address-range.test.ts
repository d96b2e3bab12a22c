import { describe, expect, it } from 'vitest';
import { AddressAllowList, addressRangeOf, isLoopbackHost, splitListSetting } from '@/lib/net/address-range';

describe('address ranges', () => {
  it('names the range of IPv4, IPv6 and IPv4-mapped addresses', () => {
    expect(addressRangeOf('127.0.0.9')).toBe('loopback');
    expect(addressRangeOf('[::1]')).toBe('loopback');
    expect(addressRangeOf('::ffff:192.168.4.2')).toBe('private');
    expect(addressRangeOf('100.100.0.1')).toBe('private');
    expect(addressRangeOf('169.254.169.254')).toBe('link_local');
    expect(addressRangeOf('fd12::1')).toBe('unique_local');
    expect(addressRangeOf('0.0.0.0')).toBe('unspecified');
    expect(addressRangeOf('172.32.0.1')).toBe('public');
    expect(addressRangeOf('2001:4860::8888')).toBe('public');
    expect(() => addressRangeOf('mail.acme.com')).toThrow(TypeError);
  });

  it('tells loopback host names without resolving them', () => {
    expect(['localhost', 'app.localhost', '127.1.2.3', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['localhost.acme.com', '10.0.0.1', 'example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('reads an allow list of names, addresses and networks as admins write it', () => {
    const entries = splitListSetting(' mail.internal, 10.20.0.0/16\nfd00::/8 192.0.2.7 ');
    expect(entries).toEqual(['mail.internal', '10.20.0.0/16', 'fd00::/8', '192.0.2.7']);
    expect(entries.every(AddressAllowList.isValidEntry)).toBe(true);
    expect(['10.0.0.0/33', 'a/b/c', 'bad_name', '10.0.0.0/x', ''].some(AddressAllowList.isValidEntry)).toBe(false);
    const list = new AddressAllowList(entries);
    expect(list.allowsName('MAIL.internal')).toBe(true);
    expect(list.allowsAddress('10.20.255.1')).toBe(true);
    expect(list.allowsAddress('::ffff:192.0.2.7')).toBe(true);
    expect(list.allowsAddress('fd00::5')).toBe(true);
    expect(list.allowsAddress('10.21.0.1')).toBe(false);
  });
});
