import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { projects } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { parseInput, projectIdOf } from '@/lib/validation';

export const emailSettingsSchema = z.object({
  projectId: z.uuid(),
  emailAccess: z.enum(['open', 'restricted'], { error: 'Choose who may raise requests by email.' }),
  sendConfirmations: z.boolean(),
  replySignature: z
    .string()
    .max(2000, 'Keep the signature under 2,000 characters.')
    .transform((value) => value.replace(/\r\n?/g, '\n').trimEnd())
    .default(''),
});

/** Who may raise requests by email, whether new requests are confirmed to the customer, and the signature under replies. */
export async function updateEmailSettings({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  await requireProjectRole(db, actor, projectIdOf(input), 'admin');
  const form = parseInput(emailSettingsSchema, input);
  await db.transaction(async (tx) => {
    await tx
      .update(projects)
      .set({ emailAccess: form.emailAccess, sendConfirmations: form.sendConfirmations, replySignature: form.replySignature, updatedAt: new Date() })
      .where(eq(projects.id, form.projectId));
    await recordAudit(tx, {
      actor,
      action: 'project.email_settings',
      targetType: 'project',
      targetId: form.projectId,
      details: { emailAccess: form.emailAccess, sendConfirmations: form.sendConfirmations, replySignature: form.replySignature },
    });
  });
}
