import { and, desc, eq, ne } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { notifications, users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { loadRequestForAgent } from '@/lib/requests/request-access';

/** Who was (or is about to be) notified of what on a request, newest first, for the project's people. */
export async function listRequestNotifications({ db, actor, requestId }: { db: Queryable; actor: Actor | null; requestId: string }) {
  await loadRequestForAgent(db, actor, requestId);
  return db
    .select({
      id: notifications.id,
      email: users.email,
      kind: notifications.kind,
      status: notifications.status,
      createdAt: notifications.createdAt,
      sentAt: notifications.sentAt,
      digest: notifications.digestId,
      lastError: notifications.lastError,
    })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .where(and(eq(notifications.requestId, requestId), ne(notifications.status, 'skipped')))
    .orderBy(desc(notifications.createdAt), users.email)
    .limit(100);
}
