import { describe, expect, it } from 'vitest';
import { integrationFormSchema } from '@/lib/oauth/integration-schema';
import { PROVIDER_PRESETS } from '@/lib/oauth/providers';
import { appUrlAllowsOAuth, redirectUrlFor, redirectWarnings } from '@/lib/oauth/redirect-url';

const valid = {
  provider: 'custom',
  name: 'Acme IdP',
  issuer: 'https://login.acme.test',
  clientId: 'client',
  clientSecret: 'secret',
  scopes: 'openid email',
  mailboxDomains: 'acme.test',
};

function fieldErrors(input: Record<string, unknown>): Record<string, string[]> {
  const result = integrationFormSchema.safeParse(input);
  if (result.success) return {};
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0]);
    errors[field] = [...(errors[field] ?? []), issue.message];
  }
  return errors;
}

describe('provider presets', () => {
  it('recommends the mail scopes and endpoints of Google and Microsoft', () => {
    expect(PROVIDER_PRESETS.google.defaultScopes).toEqual(['https://mail.google.com/', 'openid', 'email']);
    expect(PROVIDER_PRESETS.google.authorizationParameters).toEqual({ access_type: 'offline', prompt: 'consent' });
    expect(PROVIDER_PRESETS.google.tokenEndpoint).toBe('https://oauth2.googleapis.com/token');
    expect(PROVIDER_PRESETS.microsoft.defaultScopes).toEqual(
      expect.arrayContaining([
        'https://outlook.office.com/IMAP.AccessAsUser.All',
        'https://outlook.office.com/POP.AccessAsUser.All',
        'offline_access',
        'openid',
        'email',
      ]),
    );
    expect(PROVIDER_PRESETS.microsoft.authorizationEndpoint).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/authorize');
    expect(PROVIDER_PRESETS.microsoft.imap).toEqual({ host: 'outlook.office365.com', port: 993 });
    expect(PROVIDER_PRESETS.google.pop3).toEqual({ host: 'pop.gmail.com', port: 995 });
  });
});

describe('integration form', () => {
  it('accepts a valid custom integration and normalises lists', () => {
    const parsed = integrationFormSchema.parse({ ...valid, scopes: 'openid\nemail openid', mailboxDomains: 'Acme.test, other.TEST.' });
    expect(parsed.scopes).toEqual(['openid', 'email']);
    expect(parsed.mailboxDomains).toEqual(['acme.test', 'other.test']);
  });

  it('reports bad URLs, bad domains and missing fields per field', () => {
    expect(fieldErrors({ ...valid, issuer: 'not a url' }).issuer?.[0]).toMatch(/full URL/);
    expect(fieldErrors({ ...valid, tokenEndpoint: 'http://idp.example.com/token' }).tokenEndpoint?.[0]).toMatch(/https/);
    expect(fieldErrors({ ...valid, tokenEndpoint: 'http://127.0.0.1:8080/token' })).toEqual({});
    expect(fieldErrors({ ...valid, mailboxDomains: '*.acme.test' }).mailboxDomains?.[0]).toMatch(/wildcards/);
    expect(fieldErrors({ ...valid, mailboxDomains: 'me@acme.test' }).mailboxDomains?.[0]).toMatch(/not an email address/);
    expect(fieldErrors({ ...valid, mailboxDomains: '' }).mailboxDomains?.[0]).toMatch(/at least one mailbox domain/);
    expect(Object.keys(fieldErrors({ provider: 'other' })).sort()).toEqual(['clientId', 'mailboxDomains', 'name', 'provider', 'scopes']);
    expect(fieldErrors({ ...valid, scopes: 'openid "email"' }).scopes?.[0]).toMatch(/without spaces or quotes/);
  });
});

describe('redirect URL', () => {
  it('is one per integration under APP_URL', () => {
    expect(redirectUrlFor('https://desk.acme.com', 'abc')).toBe('https://desk.acme.com/oauth/callback/abc');
  });

  it('warns about plain HTTP, allowing OAuth on loopback only', () => {
    expect(appUrlAllowsOAuth('http://localhost:3000')).toBe(true);
    expect(appUrlAllowsOAuth('http://127.0.0.1:3000')).toBe(true);
    expect(appUrlAllowsOAuth('http://desk.acme.com')).toBe(false);
    expect(appUrlAllowsOAuth('https://desk.acme.com')).toBe(true);
    expect(redirectWarnings('http://desk.acme.com', 'custom').map((warning) => warning.id)).toEqual(['http']);
    expect(redirectWarnings('https://desk.acme.com', 'custom')).toEqual([]);
  });

  it('warns Google admins about IPs, private domains, Testing status and verification', () => {
    expect(redirectWarnings('https://10.1.2.3', 'google').map((warning) => warning.id)).toContain('google-ip');
    expect(redirectWarnings('https://desk.corp', 'google').map((warning) => warning.id)).toContain('google-private-domain');
    const ids = redirectWarnings('https://desk.acme.com', 'google').map((warning) => warning.id);
    expect(ids).toEqual(['google-testing', 'google-verification']);
    expect(redirectWarnings('https://desk.acme.com', 'google')[0]!.message).toMatch(/7 days/);
  });
});
