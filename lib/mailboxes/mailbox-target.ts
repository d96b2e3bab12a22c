import { and, eq, ne, or } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes, oauthIntegrations, projects } from '@/db/schema';
import { type Actor, requireProjectRole, requireSystemAdmin } from '@/lib/auth/actor';
import { NotFoundError, ValidationError } from '@/lib/errors';
import { emailDomainOf } from '@/lib/oauth/mailbox-domains';
import { fieldErrorsOf, parseInput } from '@/lib/validation';
import { readMailboxOf } from './mailbox-connection';
import { mailboxSettingsSchema, mailServerHandlerSchema } from './mailbox-schema';

/** Which mailbox a form is about: a project's channel, or a global incoming mail server. */
export type MailboxScope = { kind: 'channel'; projectId: string } | { kind: 'server' };

export interface MailboxOwner {
  kind: 'channel' | 'server';
  projectId: string;
  name: string;
  createRequests: boolean;
  addComments: boolean;
}

/** Checks the actor may manage mailboxes of this scope and works out who owns the mailbox. */
export async function resolveMailboxOwner(db: Queryable, actor: Actor | null, scope: MailboxScope, input: unknown): Promise<MailboxOwner> {
  if (scope.kind === 'channel') {
    await requireProjectRole(db, actor, scope.projectId, 'admin');
    const [project] = await db.select().from(projects).where(eq(projects.id, scope.projectId));
    if (!project) throw new NotFoundError('The project');
    return { kind: 'channel', projectId: project.id, name: `${project.name} email channel`, createRequests: true, addComments: true };
  }
  requireSystemAdmin(actor);
  // The mailbox settings are checked again later; their errors join these so the form shows all at once.
  const handler = parseInput(mailServerHandlerSchema, input, fieldErrorsOf(mailboxSettingsSchema, input));
  const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, handler.projectId));
  if (!project) throw ValidationError.field('projectId', 'Choose an existing project.');
  if (!handler.createRequests && !handler.addComments) {
    throw ValidationError.field('createRequests', 'Let the handler create requests, add comments, or both.');
  }
  return { kind: 'server', ...handler };
}

/** How a mailbox is read, as far as other channels reading the same mailbox are concerned. */
export interface MailboxReading {
  emailAddress: string;
  access: 'own' | 'shared' | 'alias';
  aliasMailbox: string | null;
  onlyMailToAlias: boolean;
  afterProcessing: 'mark_read' | 'move' | 'delete' | 'keep';
}

const leavesMailForOthers = (reading: Pick<MailboxReading, 'access' | 'onlyMailToAlias' | 'afterProcessing'>) =>
  reading.access === 'alias' && reading.onlyMailToAlias && (reading.afterProcessing === 'mark_read' || reading.afterProcessing === 'keep');

/**
 * An address belongs to one mailbox at a time, and a project has one channel. Several aliases
 * may be read from one mailbox, but only if each files just its own mail and leaves the rest
 * where it is: otherwise one channel would file, move or delete another's mail.
 */
export async function assertMailboxIsFree(db: Queryable, owner: MailboxOwner, reading: MailboxReading, exceptMailboxId?: string): Promise<void> {
  const { emailAddress } = reading;
  const others = exceptMailboxId ? ne(mailboxes.id, exceptMailboxId) : undefined;
  const [usedBy] = await db
    .select({ kind: mailboxes.kind, name: mailboxes.name })
    .from(mailboxes)
    .where(and(eq(mailboxes.emailAddress, emailAddress), others));
  if (usedBy) {
    throw ValidationError.field(
      'emailAddress',
      `${emailAddress} is already read by ${usedBy.kind === 'channel' ? 'the email channel' : 'the incoming mail server'} “${usedBy.name}”. An address can belong to only one channel or mail server.`,
    );
  }
  const read = readMailboxOf(reading);
  const sameMailbox = await db
    .select({ name: mailboxes.name, access: mailboxes.access, onlyMailToAlias: mailboxes.onlyMailToAlias, afterProcessing: mailboxes.afterProcessing })
    .from(mailboxes)
    .where(
      and(
        or(and(ne(mailboxes.access, 'alias'), eq(mailboxes.emailAddress, read)), and(eq(mailboxes.access, 'alias'), eq(mailboxes.aliasMailbox, read))),
        others,
      ),
    );
  const sharer =
    sameMailbox.find((other) => !leavesMailForOthers(other)) ?? (sameMailbox.length > 0 && !leavesMailForOthers(reading) ? sameMailbox[0] : undefined);
  if (sharer) {
    throw ValidationError.field(
      reading.access === 'alias' ? 'aliasMailbox' : 'emailAddress',
      `${read} is also read by “${sharer.name}”. One mailbox can serve several aliases only when each of them files just the mail addressed to it and, after processing, marks it as read or keeps it as it is.`,
    );
  }
  if (owner.kind === 'channel') {
    const [channel] = await db
      .select({ id: mailboxes.id })
      .from(mailboxes)
      .where(and(eq(mailboxes.projectId, owner.projectId), eq(mailboxes.kind, 'channel'), others));
    if (channel) throw new ValidationError({}, 'This project already has an email channel.');
  }
}

/** The integration chosen for an address, refused unless its mailbox domains include the address's domain. */
export async function integrationForAddress(db: Queryable, integrationId: string, emailAddress: string) {
  const [integration] = await db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
  if (!integration) throw ValidationError.field('authentication', 'This OAuth 2.0 integration no longer exists.');
  const domain = emailDomainOf(emailAddress);
  if (!domain || !integration.mailboxDomains.includes(domain)) {
    throw ValidationError.field(
      'authentication',
      `The integration “${integration.name}” can authorize only mailboxes at ${integration.mailboxDomains.join(', ')}.`,
    );
  }
  return integration;
}
