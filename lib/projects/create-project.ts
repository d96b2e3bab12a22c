import type { Database } from '@/db/client';
import { projects } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { isUniqueViolation, parseInput } from '@/lib/validation';
import { projectDetailsSchema, projectKeySchema } from './project-schemas';

export const createProjectSchema = projectDetailsSchema.extend({ key: projectKeySchema });

export async function createProject({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  requireSystemAdmin(actor);
  const { key, name, description } = parseInput(createProjectSchema, input);
  try {
    return await db.transaction(async (tx) => {
      const [project] = await tx.insert(projects).values({ key, name, description }).returning();
      await recordAudit(tx, {
        actor,
        action: 'project.create',
        targetType: 'project',
        targetId: project!.id,
        details: { key, name },
      });
      return project!;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'projects_key_key')) {
      throw ValidationError.field('key', `The key ${key} is already used by another project.`);
    }
    throw error;
  }
}
