import { domainToASCII } from 'node:url';

/**
 * Mailbox domains decide which accounts an integration may authorize, so they are compared
 * exactly, in one canonical form: lower case, punycode, no trailing dot. No suffix matching:
 * `sub.acme.test`, `evil-acme.test` and `acme.test.evil.com` are all different from `acme.test`.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export type DomainResult = { ok: true; domain: string } | { ok: false; problem: string };

export function normalizeDomain(input: string): DomainResult {
  const trimmed = input.trim().replace(/\.$/, '');
  if (!trimmed) return { ok: false, problem: 'is empty' };
  if (trimmed.includes('@')) return { ok: false, problem: 'must be a domain such as acme.com, not an email address' };
  if (trimmed.includes('*')) return { ok: false, problem: 'must not contain wildcards; list each domain' };
  if (/[\s/:?#\\]/.test(trimmed)) return { ok: false, problem: 'must be a bare domain such as acme.com' };
  // domainToASCII applies UTS #46 (lower-casing, IDN to punycode) and returns '' when invalid.
  const ascii = domainToASCII(trimmed);
  if (!ascii) return { ok: false, problem: 'is not a valid domain name' };
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    return { ok: false, problem: 'is not a valid domain name' };
  }
  if (/^\d+$/.test(labels.at(-1)!)) return { ok: false, problem: 'must be a domain name, not an IP address' };
  return { ok: true, domain: ascii };
}

/**
 * The canonical domain of a single, plain email address; null for anything ambiguous
 * (several `@`, quoted local parts, display names, comments, empty parts).
 */
export function emailDomainOf(address: string): string | null {
  const trimmed = address.trim();
  const at = trimmed.indexOf('@');
  if (at <= 0 || at !== trimmed.lastIndexOf('@')) return null;
  const local = trimmed.slice(0, at);
  if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return null;
  }
  const domain = normalizeDomain(trimmed.slice(at + 1));
  return domain.ok ? domain.domain : null;
}

/** The canonical form of a plain email address: lower-cased local part, canonical domain. */
export function normalizeEmailAddress(address: string): string | null {
  const domain = emailDomainOf(address);
  if (!domain) return null;
  const trimmed = address.trim();
  return `${trimmed.slice(0, trimmed.indexOf('@')).toLowerCase()}@${domain}`;
}

export function isDomainAllowed(address: string, allowedDomains: readonly string[]): boolean {
  const domain = emailDomainOf(address);
  return domain !== null && allowedDomains.includes(domain);
}
