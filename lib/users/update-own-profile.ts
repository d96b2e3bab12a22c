import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { PermissionDeniedError } from '@/lib/errors';
import { NOTIFICATION_KINDS, type NotificationKind } from '@/lib/notifications/notification-kind';
import { parseInput } from '@/lib/validation';
import { nameSchema } from './user-schemas';

export const ownProfileSchema = z.object({
  name: nameSchema,
  ...(Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, z.boolean().default(false)])) as Record<NotificationKind, z.ZodDefault<z.ZodBoolean>>),
});

/** The signed-in user's own name and, per notification kind, whether they are emailed about it. */
export async function updateOwnProfile({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  if (!actor) throw new PermissionDeniedError();
  const form = parseInput(ownProfileSchema, input);
  await db
    .update(users)
    .set({ name: form.name, mutedNotificationKinds: NOTIFICATION_KINDS.filter((kind) => !form[kind]), updatedAt: new Date() })
    .where(eq(users.id, actor.userId));
}
