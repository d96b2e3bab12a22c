/**
 * Who signed in at Microsoft, as the provider vouches for it. The `email` claim is not: any
 * tenant's admin can set it to any address, including one at another company's domain (the
 * "nOAuth" class). The sign-in name (`preferred_username`, the UPN of a work account) must be at
 * a domain the tenant has verified, so it is the identity; `tid` names the tenant.
 */
export type MicrosoftIdentity =
  | { ok: true; signInName: string; tenant: string }
  | { ok: false; code: 'no_sign_in_name' }
  | { ok: false; code: 'tenant_not_allowed'; tenant: string };

export function microsoftIdentityOf(claims: Record<string, unknown> | undefined, allowedTenants: readonly string[]): MicrosoftIdentity {
  const signInName = claims?.preferred_username;
  const tenant = typeof claims?.tid === 'string' ? claims.tid.toLowerCase() : '';
  if (allowedTenants.length > 0 && !allowedTenants.includes(tenant)) return { ok: false, code: 'tenant_not_allowed', tenant: tenant || 'unknown' };
  if (typeof signInName !== 'string' || signInName === '') return { ok: false, code: 'no_sign_in_name' };
  return { ok: true, signInName, tenant };
}
