import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { type Actor, requireProjectRole, requireSystemAdmin } from '@/lib/auth/actor';
import { NotFoundError } from '@/lib/errors';
import { isUuid } from '@/lib/validation';

export type MailboxRow = typeof mailboxes.$inferSelect;

/** A project's channel belongs to its project admins; incoming mail servers to system admins. */
export async function requireMailboxAdmin(db: Queryable, actor: Actor | null, mailbox: Pick<MailboxRow, 'kind' | 'projectId'>): Promise<void> {
  if (mailbox.kind === 'server') requireSystemAdmin(actor);
  else await requireProjectRole(db, actor, mailbox.projectId, 'admin');
}

/** Loads a mailbox the actor may administer; others' mailboxes are reported as not found. */
export async function loadMailboxForAdmin(db: Queryable, actor: Actor | null, mailboxId: string): Promise<MailboxRow> {
  const [mailbox] = isUuid(mailboxId) ? await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId)) : [];
  if (!mailbox) throw new NotFoundError('The mailbox');
  await requireMailboxAdmin(db, actor, mailbox);
  return mailbox;
}
