import type { Queryable } from '@/db/client';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { loadOutgoingMailServer } from './outgoing-mail-server';

/** The outgoing mail server as the settings page shows it: never its password. */
export async function getOutgoingMailServer({ db, actor }: { db: Queryable; actor: Actor | null }) {
  requireSystemAdmin(actor);
  const row = await loadOutgoingMailServer(db);
  if (!row) return null;
  return { host: row.host, port: row.port, security: row.security, username: row.username, fromAddress: row.fromAddress, updatedAt: row.updatedAt };
}

/** Whether Intake can email anyone at all; without it every alert and notification is off. */
export async function notificationsAreOn(db: Queryable): Promise<boolean> {
  return (await loadOutgoingMailServer(db)) !== null;
}
