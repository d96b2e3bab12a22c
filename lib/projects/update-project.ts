import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { projects } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { parseInput, projectIdOf } from '@/lib/validation';
import { projectDetailsSchema } from './project-schemas';

/** The key is immutable: request keys such as SD-12 are quoted in customers' mail. */
export const updateProjectSchema = projectDetailsSchema.extend({ projectId: z.uuid() });

export async function updateProject({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  await requireProjectRole(db, actor, projectIdOf(input), 'admin');
  const { projectId, name, description } = parseInput(updateProjectSchema, input);
  await db.transaction(async (tx) => {
    await tx.update(projects).set({ name, description, updatedAt: new Date() }).where(eq(projects.id, projectId));
    await recordAudit(tx, { actor, action: 'project.update', targetType: 'project', targetId: projectId, details: { name } });
  });
}
