import { and, eq, inArray, isNull, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { notifications, projectMembers, requests, users } from '@/db/schema';
import { notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import type { NotificationKind } from './notification-kind';

export interface NotificationEvent {
  kind: NotificationKind;
  requestIds: string[];
  /** The user who caused it; never notified of their own doing. */
  actorId?: string | null;
  /** Who it is for (assigned, mentioned); without it, as the kind says (see below). */
  recipientIds?: string[];
}

/** Who hears of an event without being named: a new request's whole project, a reply's assignee (or the project when unassigned). */
function defaultRecipients(kind: NotificationKind): SQL | undefined {
  if (kind === 'customer_reply') return or(isNull(requests.assigneeId), eq(requests.assigneeId, users.id));
  return undefined;
}

/**
 * Records notifications in the caller's transaction, so they exist exactly when the change
 * does. Only active members of the request's project who have not muted the kind get one:
 * never customers, never the actor. Without an outgoing mail server nothing is recorded (the
 * UI says notifications are off), so setting one up later does not send stale news.
 */
export async function recordNotifications(tx: Queryable, event: NotificationEvent): Promise<number> {
  if (event.requestIds.length === 0 || event.recipientIds?.length === 0) return 0;
  if (!(await notificationsAreOn(tx))) return 0;
  const recipients = event.recipientIds ? inArray(users.id, event.recipientIds) : defaultRecipients(event.kind);
  const due = await tx
    .select({ recipientId: users.id, requestId: requests.id })
    .from(requests)
    .innerJoin(projectMembers, eq(projectMembers.projectId, requests.projectId))
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(
      and(
        inArray(requests.id, event.requestIds),
        eq(users.active, true),
        sql`not (${event.kind} = any(${users.mutedNotificationKinds}))`,
        event.actorId ? ne(users.id, event.actorId) : undefined,
        recipients,
      ),
    );
  if (due.length === 0) return 0;
  await tx.insert(notifications).values(due.map((row) => ({ ...row, kind: event.kind, actorId: event.actorId ?? null })));
  return due.length;
}
