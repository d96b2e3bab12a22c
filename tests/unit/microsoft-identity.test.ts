import { describe, expect, it } from 'vitest';
import { microsoftIdentityOf } from '@/lib/oauth/microsoft-identity';

const ACME = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER = '0b5c2a7e-1111-4c5b-b112-36a304b66dad';

describe('microsoftIdentityOf', () => {
  it('takes the sign-in name, never the admin-editable email claim', () => {
    const claims = { preferred_username: 'mallory@evil.test', email: 'support@acme.test', tid: OTHER };
    expect(microsoftIdentityOf(claims, [])).toEqual({ ok: true, signInName: 'mallory@evil.test', tenant: OTHER });
  });

  it('refuses an account from a tenant the integration does not list, whatever it is called', () => {
    const claims = { preferred_username: 'support@acme.test', tid: OTHER.toUpperCase() };
    expect(microsoftIdentityOf(claims, [ACME])).toEqual({ ok: false, code: 'tenant_not_allowed', tenant: OTHER });
    expect(microsoftIdentityOf({ preferred_username: 'support@acme.test' }, [ACME])).toEqual({ ok: false, code: 'tenant_not_allowed', tenant: 'unknown' });
    expect(microsoftIdentityOf({ preferred_username: 'support@acme.test', tid: ACME }, [ACME])).toMatchObject({ ok: true });
  });

  it('asks for the profile scope when the sign-in name is missing, even with an email claim', () => {
    expect(microsoftIdentityOf({ email: 'support@acme.test', tid: ACME }, [])).toEqual({ ok: false, code: 'no_sign_in_name' });
  });
});
