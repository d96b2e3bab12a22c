import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { projects } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { parseInput, projectIdOf } from '@/lib/validation';

export const notificationSettingsSchema = z.object({
  projectId: z.uuid(),
  notifyNewRequests: z.enum(['all', 'unassigned'], { error: 'Choose which new requests notify the project’s people.' }),
});

/** Whether every new request emails the project's agents and admins, or only one still unassigned. */
export async function updateNotificationSettings({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  await requireProjectRole(db, actor, projectIdOf(input), 'admin');
  const form = parseInput(notificationSettingsSchema, input);
  await db.transaction(async (tx) => {
    await tx.update(projects).set({ notifyNewRequests: form.notifyNewRequests, updatedAt: new Date() }).where(eq(projects.id, form.projectId));
    await recordAudit(tx, {
      actor,
      action: 'project.notification_settings',
      targetType: 'project',
      targetId: form.projectId,
      details: { notifyNewRequests: form.notifyNewRequests },
    });
  });
}
