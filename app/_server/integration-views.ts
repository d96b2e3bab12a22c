import { getEnv } from '@/lib/env';
import { PROVIDER_KINDS, PROVIDER_PRESETS, type ProviderKind } from '@/lib/oauth/providers';
import { redirectWarnings } from '@/lib/oauth/redirect-url';
import type { ProviderView } from '@/app/(workspace)/admin/system/oauth/integration-form';

/** What the integration form needs to know about each provider, with warnings for this APP_URL. */
export function providerViews(): Record<ProviderKind, ProviderView> {
  const { APP_URL } = getEnv();
  return Object.fromEntries(
    PROVIDER_KINDS.map((kind) => {
      const preset = PROVIDER_PRESETS[kind];
      return [
        kind,
        {
          label: preset.label,
          authorizationEndpoint: preset.authorizationEndpoint,
          tokenEndpoint: preset.tokenEndpoint,
          defaultScopes: preset.defaultScopes,
          mailHosts: preset.mailHosts,
          warnings: redirectWarnings(APP_URL, kind),
        },
      ];
    }),
  ) as Record<ProviderKind, ProviderView>;
}
