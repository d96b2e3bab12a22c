import { z } from 'zod';
import type { Database } from '@/db/client';
import { users } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { isUniqueViolation, parseInput } from '@/lib/validation';
import { hashPassword } from './password';
import { newUserSchema } from './user-schemas';

export const createUserSchema = newUserSchema.extend({
  isSystemAdmin: z.boolean().default(false),
});

export async function createUser({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  requireSystemAdmin(actor);
  const { name, email, password, isSystemAdmin } = parseInput(createUserSchema, input);
  const passwordHash = await hashPassword(password);
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ name, email, passwordHash, isSystemAdmin })
        .returning({ id: users.id, email: users.email, name: users.name });
      await recordAudit(tx, {
        actor,
        action: 'user.create',
        targetType: 'user',
        targetId: user!.id,
        details: { email, isSystemAdmin },
      });
      return user!;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) {
      throw ValidationError.field('email', 'A user with this email address already exists.');
    }
    throw error;
  }
}
