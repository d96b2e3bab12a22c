import { and, asc, eq, getTableColumns, gt, inArray, or, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { inboundMessages, mailboxes, oauthIntegrations, projectMembers, projects } from '@/db/schema';
import { type Actor, requireProjectRole, requireSystemAdmin } from '@/lib/auth/actor';
import { PermissionDeniedError } from '@/lib/errors';
import { readExistingMail } from './existing-mail-import';

const { password: _password, accessToken: _accessToken, refreshToken: _refreshToken, ...visibleColumns } = getTableColumns(mailboxes);

/** Everything about a mailbox an admin may see — never its password or tokens. */
const mailboxView = {
  ...visibleColumns,
  integrationName: oauthIntegrations.name,
  projectKey: projects.key,
  projectName: projects.name,
  /** When the oldest message still waiting to be filed was fetched: the channel's lag. */
  oldestWaitingAt:
    sql<Date | null>`(select min(${inboundMessages.fetchedAt}) from ${inboundMessages} where ${inboundMessages.mailboxId} = ${mailboxes.id} and ${inboundMessages.status} = 'pending')`.mapWith(
      (value: string | Date | null) => (value === null ? null : new Date(value)),
    ),
};

function selectMailboxes(db: Queryable) {
  return db
    .select(mailboxView)
    .from(mailboxes)
    .leftJoin(oauthIntegrations, eq(oauthIntegrations.id, mailboxes.integrationId))
    .innerJoin(projects, eq(projects.id, mailboxes.projectId));
}

export type MailboxView = Awaited<ReturnType<typeof getProjectChannel>>;

/** A mailbox as its page shows it: with what it held when connected and the import of it. */
async function withImport<T extends { id: string; protocol: 'imap' | 'pop3'; folder: string }>(db: Queryable, mailbox: T | undefined) {
  return mailbox ? { ...mailbox, existingMailSummary: await readExistingMail(db, mailbox) } : null;
}

export async function getProjectChannel({ db, actor, projectId }: { db: Queryable; actor: Actor | null; projectId: string }) {
  await requireProjectRole(db, actor, projectId, 'admin');
  const [channel] = await selectMailboxes(db).where(and(eq(mailboxes.projectId, projectId), eq(mailboxes.kind, 'channel')));
  return withImport(db, channel);
}

export async function listMailServers({ db, actor }: { db: Queryable; actor: Actor | null }) {
  requireSystemAdmin(actor);
  return selectMailboxes(db).where(eq(mailboxes.kind, 'server')).orderBy(asc(mailboxes.name));
}

export async function getMailServer({ db, actor, mailboxId }: { db: Queryable; actor: Actor | null; mailboxId: string }) {
  requireSystemAdmin(actor);
  const [server] = await selectMailboxes(db).where(and(eq(mailboxes.id, mailboxId), eq(mailboxes.kind, 'server')));
  return withImport(db, server);
}

/**
 * Mailboxes that need a person (re-authorization, a failing connection) or are not being read or
 * not sending because their provider paused them. Project admins see their projects' channels;
 * system admins see everything.
 */
export async function listMailboxAlerts({ db, actor }: { db: Queryable; actor: Actor | null }) {
  if (!actor) return [];
  const troubled = or(inArray(mailboxes.status, ['needs_reauthorization', 'failing', 'paused_by_provider']), gt(mailboxes.sendingPausedUntil, sql`now()`));
  if (actor.isSystemAdmin) return selectMailboxes(db).where(troubled).orderBy(asc(mailboxes.name));
  const adminOf = db
    .select({ id: projectMembers.projectId })
    .from(projectMembers)
    .where(and(eq(projectMembers.userId, actor.userId), eq(projectMembers.role, 'admin')));
  return selectMailboxes(db)
    .where(and(troubled, eq(mailboxes.kind, 'channel'), inArray(mailboxes.projectId, adminOf)))
    .orderBy(asc(mailboxes.name));
}

/** The integrations a mailbox form may offer; open to anyone who administers a mailbox. */
export async function listIntegrationChoices({ db, actor }: { db: Queryable; actor: Actor | null }) {
  if (!actor) throw new PermissionDeniedError();
  if (!actor.isSystemAdmin) {
    const [membership] = await db
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.userId, actor.userId), eq(projectMembers.role, 'admin')))
      .limit(1);
    if (!membership) throw new PermissionDeniedError('Only project admins can do that.');
  }
  return db
    .select({ id: oauthIntegrations.id, name: oauthIntegrations.name, provider: oauthIntegrations.provider, mailboxDomains: oauthIntegrations.mailboxDomains })
    .from(oauthIntegrations)
    .orderBy(asc(oauthIntegrations.name));
}
