import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { oauthIntegrations } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { NotFoundError, ValidationError } from '@/lib/errors';
import { isUniqueViolation, parseInput } from '@/lib/validation';
import { integrationFormSchema } from './integration-schema';
import { resolveEndpoints } from './resolve-endpoints';

/**
 * Creates an integration (`mode: 'create'`), or updates one. A new integration may come with
 * the id its form was opened with, so the redirect URL shown before saving stays valid.
 * The client secret is write-only: an empty one on update keeps the stored secret.
 */
export async function saveIntegration({
  db,
  actor,
  mode,
  integrationId,
  input,
}: {
  db: Database;
  actor: Actor | null;
  mode: 'create' | 'update';
  integrationId?: string;
  input: unknown;
}) {
  requireSystemAdmin(actor);
  const id = integrationId === undefined ? undefined : parseInput(z.uuid(), integrationId);
  const existing = mode === 'update' && id ? (await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, id)))[0] : undefined;
  if (mode === 'update' && !existing) throw new NotFoundError('The integration');
  const typedSecret = String((input as { clientSecret?: unknown } | null)?.clientSecret ?? '').trim();
  const form = parseInput(
    integrationFormSchema,
    input,
    mode === 'create' && !typedSecret ? { clientSecret: ['Enter the client secret from the provider.'] } : {},
  );

  const endpoints = await resolveEndpoints(form);
  const clientSecret = form.clientSecret ? getSecretBox().seal(form.clientSecret, SECRET_PURPOSE.integrationClientSecret) : existing!.clientSecret;
  const connectionChanged =
    !existing ||
    Boolean(form.clientSecret) ||
    existing.clientId !== form.clientId ||
    existing.tokenEndpoint !== endpoints.tokenEndpoint ||
    existing.provider !== form.provider;
  const values = {
    name: form.name,
    provider: form.provider,
    ...endpoints,
    clientId: form.clientId,
    clientSecret,
    scopes: form.scopes,
    mailboxDomains: form.mailboxDomains,
    otherMailHosts: form.provider === 'custom' ? [] : form.otherMailHosts,
    allowedTenants: form.provider === 'microsoft' ? form.allowedTenants : [],
    updatedAt: new Date(),
    // A changed client must be tested again.
    ...(connectionChanged ? { lastTestedAt: null, lastTestOk: null, lastTestMessage: null } : {}),
  };
  try {
    return await db.transaction(async (tx) => {
      const [saved] = existing
        ? await tx.update(oauthIntegrations).set(values).where(eq(oauthIntegrations.id, existing.id)).returning({ id: oauthIntegrations.id })
        : await tx
            .insert(oauthIntegrations)
            .values({ ...values, ...(id ? { id } : {}) })
            .returning({ id: oauthIntegrations.id });
      await recordAudit(tx, {
        actor,
        action: existing ? 'integration.update' : 'integration.create',
        targetType: 'oauth_integration',
        targetId: saved!.id,
        details: {
          name: form.name,
          provider: form.provider,
          clientId: form.clientId,
          scopes: form.scopes,
          mailboxDomains: form.mailboxDomains,
          otherMailHosts: values.otherMailHosts,
          allowedTenants: values.allowedTenants,
          clientSecretChanged: Boolean(form.clientSecret),
        },
      });
      return saved!;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'oauth_integrations_name_key')) {
      throw ValidationError.field('name', 'Another integration already has this name.');
    }
    if (isUniqueViolation(error, 'oauth_integrations_pkey')) {
      throw new ValidationError({}, 'This integration was already saved. Open it from the list to change it.');
    }
    throw error;
  }
}
