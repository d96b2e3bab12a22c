import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { projectMembers, users } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { emailSchema } from '@/lib/users/user-schemas';
import { parseInput, projectIdOf } from '@/lib/validation';

export const setProjectMemberSchema = z.object({
  projectId: z.uuid(),
  email: emailSchema,
  role: z.enum(['admin', 'agent'], { error: 'Choose Project admin or Agent.' }),
});

/** Adds a user to a project or changes their role there. */
export async function setProjectMember({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  await requireProjectRole(db, actor, projectIdOf(input), 'admin');
  const { projectId, email, role } = parseInput(setProjectMemberSchema, input);
  const [user] = await db.select({ id: users.id, active: users.active }).from(users).where(eq(users.email, email));
  if (!user) {
    throw ValidationError.field('email', 'No user has this email address. A system admin can create the user first.');
  }
  if (!user.active) throw ValidationError.field('email', 'This user is deactivated.');
  await db.transaction(async (tx) => {
    await tx
      .insert(projectMembers)
      .values({ projectId, userId: user.id, role })
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } });
    await recordAudit(tx, { actor, action: 'project.member.set', targetType: 'project', targetId: projectId, details: { email, role } });
  });
}
