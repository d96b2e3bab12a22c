import { describe, expect, it } from 'vitest';
import { emailDomainOf, isDomainAllowed, normalizeDomain, normalizeEmailAddress } from '@/lib/oauth/mailbox-domains';

describe('mailbox domains', () => {
  it('normalises case, trailing dots and IDNs to one canonical form', () => {
    expect(normalizeDomain(' ACME.Test. ')).toEqual({ ok: true, domain: 'acme.test' });
    expect(normalizeDomain('Bücher.example')).toEqual({ ok: true, domain: 'xn--bcher-kva.example' });
    expect(normalizeDomain('xn--bcher-kva.example')).toEqual({ ok: true, domain: 'xn--bcher-kva.example' });
  });

  it('refuses wildcards, addresses, URLs, IPs and malformed names', () => {
    for (const bad of ['*.acme.test', 'support@acme.test', 'https://acme.test', 'acme', '10.0.0.1', '-acme.test', 'acme..test', 'ac me.test', '']) {
      expect(normalizeDomain(bad).ok, bad).toBe(false);
    }
  });

  it('matches exactly: no subdomains, suffix tricks or look-alikes', () => {
    const allowed = ['acme.test'];
    expect(isDomainAllowed('support@acme.test', allowed)).toBe(true);
    expect(isDomainAllowed('Support@ACME.TEST.', allowed)).toBe(true);
    for (const address of [
      'support@sub.acme.test',
      'support@acme.test.evil.com',
      'support@evil-acme.test',
      'support@acmetest',
      'support@аcme.test', // Cyrillic а
      'support@acme.tеst', // Cyrillic е
      'support@ACME.test@evil.com',
      '"support@acme.test"@evil.com',
      'support@evil.com (support@acme.test)',
      'Support <support@acme.test>',
      '@acme.test',
    ]) {
      expect(isDomainAllowed(address, allowed), address).toBe(false);
    }
  });

  it('reads one plain address only', () => {
    expect(emailDomainOf('a.b+c@Acme.Test')).toBe('acme.test');
    expect(emailDomainOf('"quoted"@acme.test')).toBeNull();
    expect(emailDomainOf('a@b@acme.test')).toBeNull();
    expect(emailDomainOf('.a@acme.test')).toBeNull();
    expect(normalizeEmailAddress(' Support@Bücher.example ')).toBe('support@xn--bcher-kva.example');
  });
});
