import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { PermissionDeniedError } from '@/lib/errors';
import { NOTIFICATION_KINDS } from '@/lib/notifications/notification-kind';

/** The signed-in user's own name, address and which notification kinds they are emailed about. */
export async function getOwnProfile({ db, actor }: { db: Queryable; actor: Actor | null }) {
  if (!actor) throw new PermissionDeniedError();
  const [user] = await db.select({ name: users.name, email: users.email, muted: users.mutedNotificationKinds }).from(users).where(eq(users.id, actor.userId));
  if (!user) throw new PermissionDeniedError();
  return { name: user.name, email: user.email, emailed: NOTIFICATION_KINDS.filter((kind) => !user.muted.includes(kind)) };
}
