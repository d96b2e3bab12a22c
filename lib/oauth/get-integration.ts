import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { oauthIntegrations } from '@/db/schema';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { NotFoundError } from '@/lib/errors';
import { isUuid } from '@/lib/validation';

/** An integration as the admin pages may show it: everything but the client secret. */
export async function getIntegration({ db, actor, integrationId }: { db: Queryable; actor: Actor | null; integrationId: string }) {
  requireSystemAdmin(actor);
  if (!isUuid(integrationId)) throw new NotFoundError('The integration');
  const [row] = await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
  if (!row) throw new NotFoundError('The integration');
  const { clientSecret: _sealed, ...visible } = row;
  return visible;
}
