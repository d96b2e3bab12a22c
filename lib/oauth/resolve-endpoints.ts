import { ValidationError } from '@/lib/errors';
import { discoverEndpoints, type ProviderEndpoints } from './authorization-server';
import type { IntegrationForm } from './integration-schema';
import { PROVIDER_PRESETS } from './providers';

/**
 * The endpoints an integration will use: fixed for Google and Microsoft; for a custom
 * provider, what the admin typed, completed by OpenID Connect discovery when an issuer is given.
 */
export async function resolveEndpoints(form: IntegrationForm): Promise<ProviderEndpoints> {
  if (form.provider !== 'custom') {
    const preset = PROVIDER_PRESETS[form.provider];
    return {
      issuer: preset.issuer ?? null,
      authorizationEndpoint: preset.authorizationEndpoint!,
      tokenEndpoint: preset.tokenEndpoint!,
      userinfoEndpoint: preset.userinfoEndpoint ?? null,
      jwksUri: preset.jwksUri ?? null,
      revocationEndpoint: preset.revocationEndpoint ?? null,
    };
  }
  let discovered: ProviderEndpoints | null = null;
  if (form.issuer) {
    try {
      discovered = await discoverEndpoints(form.issuer);
    } catch (error) {
      throw ValidationError.field('issuer', `OpenID Connect discovery at this issuer failed: ${(error as Error).message}.`);
    }
  }
  const authorizationEndpoint = form.authorizationEndpoint ?? discovered?.authorizationEndpoint;
  const tokenEndpoint = form.tokenEndpoint ?? discovered?.tokenEndpoint;
  const missing: Record<string, string[]> = {};
  if (!authorizationEndpoint) missing.authorizationEndpoint = ['Enter the authorization endpoint, or an issuer that supports discovery.'];
  if (!tokenEndpoint) missing.tokenEndpoint = ['Enter the token endpoint, or an issuer that supports discovery.'];
  const issuer = discovered?.issuer ?? form.issuer ?? null;
  if (!issuer && form.scopes.includes('openid')) {
    missing.issuer = ['Enter the issuer: Intake needs it to validate ID tokens (or remove the openid scope and give a userinfo endpoint).'];
  }
  if (Object.keys(missing).length > 0) throw new ValidationError(missing);
  return {
    issuer,
    authorizationEndpoint: authorizationEndpoint!,
    tokenEndpoint: tokenEndpoint!,
    userinfoEndpoint: form.userinfoEndpoint ?? discovered?.userinfoEndpoint ?? null,
    jwksUri: discovered?.jwksUri ?? null,
    revocationEndpoint: discovered?.revocationEndpoint ?? null,
  };
}
