import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { oauthIntegrations } from '@/db/schema';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { loadOutgoingMailServer, storedSettingsOf } from './outgoing-mail-server';

/** The outgoing mail server as the settings page shows it: never its password or tokens. */
export async function getOutgoingMailServer({ db, actor }: { db: Queryable; actor: Actor | null }) {
  requireSystemAdmin(actor);
  const row = await loadOutgoingMailServer(db);
  if (!row) return null;
  const [integration] = row.integrationId
    ? await db.select({ name: oauthIntegrations.name }).from(oauthIntegrations).where(eq(oauthIntegrations.id, row.integrationId))
    : [];
  return {
    ...storedSettingsOf(row),
    integrationName: integration?.name ?? null,
    authorizedEmail: row.authorizedEmail,
    authorizedAt: row.authorizedAt,
    status: row.status,
    statusMessage: row.statusMessage,
    updatedAt: row.updatedAt,
  };
}

/** Whether Intake can email anyone at all; without it every alert and notification is off. */
export async function notificationsAreOn(db: Queryable): Promise<boolean> {
  return (await loadOutgoingMailServer(db)) !== null;
}

/** Whether the outgoing mail server's OAuth 2.0 grant was refused: system email waits until someone authorizes again. */
export async function outgoingMailNeedsReauthorization(db: Queryable): Promise<boolean> {
  return (await loadOutgoingMailServer(db))?.status === 'needs_reauthorization';
}
