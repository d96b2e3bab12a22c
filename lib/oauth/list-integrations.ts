import { asc, count, eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes, oauthIntegrations } from '@/db/schema';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';

export async function listIntegrations({ db, actor }: { db: Queryable; actor: Actor | null }) {
  requireSystemAdmin(actor);
  const rows = await db
    .select({
      id: oauthIntegrations.id,
      name: oauthIntegrations.name,
      provider: oauthIntegrations.provider,
      clientId: oauthIntegrations.clientId,
      mailboxDomains: oauthIntegrations.mailboxDomains,
      lastTestedAt: oauthIntegrations.lastTestedAt,
      lastTestOk: oauthIntegrations.lastTestOk,
      lastTestMessage: oauthIntegrations.lastTestMessage,
      mailboxesUsing: count(mailboxes.id),
    })
    .from(oauthIntegrations)
    .leftJoin(mailboxes, eq(mailboxes.integrationId, oauthIntegrations.id))
    .groupBy(oauthIntegrations.id)
    .orderBy(asc(oauthIntegrations.name));
  return rows.map((row) => ({ ...row, mailboxesUsing: Number(row.mailboxesUsing) }));
}
