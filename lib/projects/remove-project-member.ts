import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { projectMembers } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { parseInput, projectIdOf } from '@/lib/validation';

export const removeProjectMemberSchema = z.object({ projectId: z.uuid(), userId: z.uuid() });

export async function removeProjectMember({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  await requireProjectRole(db, actor, projectIdOf(input), 'admin');
  const { projectId, userId } = parseInput(removeProjectMemberSchema, input);
  await db.transaction(async (tx) => {
    await tx.delete(projectMembers).where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    await recordAudit(tx, { actor, action: 'project.member.remove', targetType: 'project', targetId: projectId, details: { userId } });
  });
}
