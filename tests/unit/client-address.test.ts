import { describe, expect, it } from 'vitest';
import { clientAddressOf, parseTrustedProxies, type TrustedProxies } from '@/lib/net/client-address';

function trusted(setting: string): TrustedProxies {
  const parsed = parseTrustedProxies(setting);
  if (!parsed) throw new Error(`invalid setting ${setting}`);
  return parsed;
}

describe('clientAddressOf', () => {
  it('ignores forwarded headers when no proxy is trusted', () => {
    expect(clientAddressOf({ socketAddress: '::ffff:198.51.100.9', forwardedFor: '203.0.113.1' }, trusted(''))).toBe('198.51.100.9');
  });

  it('takes the first untrusted hop from the right, so entries a client wrote say nothing', () => {
    const proxies = trusted('10.0.0.0/8, 192.0.2.7');
    const request = { socketAddress: '10.1.2.3', forwardedFor: '203.0.113.1, 198.51.100.9, 192.0.2.7' };
    expect(clientAddressOf(request, proxies)).toBe('198.51.100.9');
    expect(clientAddressOf({ socketAddress: '198.51.100.20', forwardedFor: '203.0.113.1' }, proxies)).toBe('198.51.100.20');
  });

  it('counts hops when the setting is a number', () => {
    const request = { socketAddress: '10.1.2.3', forwardedFor: ['203.0.113.1, 198.51.100.9', '10.9.9.9'] };
    expect(clientAddressOf(request, trusted('1'))).toBe('10.9.9.9');
    expect(clientAddressOf(request, trusted('2'))).toBe('198.51.100.9');
    expect(clientAddressOf({ socketAddress: '10.1.2.3', forwardedFor: undefined }, trusted('2'))).toBe('10.1.2.3');
  });

  it('reads ports and brackets, and stops at an entry that is no address', () => {
    expect(clientAddressOf({ socketAddress: '10.1.2.3', forwardedFor: '[2001:db8::5]:443' }, trusted('1'))).toBe('2001:db8::5');
    expect(clientAddressOf({ socketAddress: '10.1.2.3', forwardedFor: '198.51.100.9:51000' }, trusted('1'))).toBe('198.51.100.9');
    expect(clientAddressOf({ socketAddress: '10.1.2.3', forwardedFor: 'evil-rotating-1' }, trusted('10.0.0.0/8'))).toBe('10.1.2.3');
  });

  it('refuses host names and malformed entries in the setting', () => {
    expect(parseTrustedProxies('proxy.internal')).toBeNull();
    expect(parseTrustedProxies('10.0.0.0/33')).toBeNull();
    expect(parseTrustedProxies(undefined)).toEqual({ kind: 'none' });
  });
});
