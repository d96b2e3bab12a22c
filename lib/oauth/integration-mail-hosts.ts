import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { oauthIntegrations } from '@/db/schema';
import { ValidationError } from '@/lib/errors';
import { PROVIDER_PRESETS } from './providers';

type IntegrationHosts = Pick<typeof oauthIntegrations.$inferSelect, 'provider' | 'otherMailHosts'>;

/** The hosts an integration's tokens may be sent to; null when any host may (a custom provider runs its own servers). */
export function allowedMailHostsOf(integration: IntegrationHosts): string[] | null {
  const preset = PROVIDER_PRESETS[integration.provider].mailHosts;
  return preset ? [...preset, ...integration.otherMailHosts] : null;
}

/**
 * A Google or Microsoft token opens the whole mailbox at the provider: it is sent only to that
 * provider's mail servers, or to a host a system admin added on the integration.
 */
export async function assertIntegrationMailHosts(
  database: DatabaseHandle,
  integrationId: string,
  /** Each host by the form field it was typed in, so a refusal lands next to it. */
  hosts: Record<string, string>,
): Promise<void> {
  const [integration] = await database.db
    .select({ name: oauthIntegrations.name, provider: oauthIntegrations.provider, otherMailHosts: oauthIntegrations.otherMailHosts })
    .from(oauthIntegrations)
    .where(eq(oauthIntegrations.id, integrationId));
  if (!integration) throw ValidationError.field('authentication', 'This OAuth 2.0 integration no longer exists.');
  const allowed = allowedMailHostsOf(integration);
  if (!allowed) return;
  const errors: Record<string, string[]> = {};
  for (const [field, typed] of Object.entries(hosts)) {
    const host = typed.toLowerCase();
    if (!allowed.includes(host)) {
      errors[field] = [
        `The integration “${integration.name}” sends its tokens only to ${allowed.join(', ')}. A system admin can add ${host} under Other mail hosts on the integration.`,
      ];
    }
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}
