import { and, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Transaction } from '@/db/client';
import { users } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { NotFoundError, ValidationError } from '@/lib/errors';
import { parseInput } from '@/lib/validation';
import { hashPassword, passwordSchema } from './password';
import { endAllUserSessions } from './user-sessions';
import { nameSchema } from './user-schemas';

export const updateUserSchema = z.object({
  userId: z.uuid(),
  name: nameSchema,
  isSystemAdmin: z.boolean(),
  active: z.boolean(),
  /** Empty keeps the current password. */
  password: z.union([z.literal(''), passwordSchema]).default(''),
});

/** Guards against locking everyone out: some active system admin must remain. */
async function assertAnotherActiveAdmin(tx: Transaction, userId: string): Promise<void> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.isSystemAdmin, true), eq(users.active, true), ne(users.id, userId)));
  if (!row || Number(row.count) === 0) {
    throw ValidationError.field('isSystemAdmin', 'Intake needs at least one active system admin; make someone else a system admin first.');
  }
}

export async function updateUser({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  requireSystemAdmin(actor);
  const { userId, name, isSystemAdmin, active, password } = parseInput(updateUserSchema, input);
  const passwordHash = password ? await hashPassword(password) : undefined;
  await db.transaction(async (tx) => {
    const [current] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
    if (!current) throw new NotFoundError('The user');
    const losesAdmin = current.isSystemAdmin && current.active && (!isSystemAdmin || !active);
    if (losesAdmin) await assertAnotherActiveAdmin(tx, userId);
    // A deactivation, demotion or new password ends the user's existing sessions.
    const endSessions = (current.active && !active) || (current.isSystemAdmin && !isSystemAdmin) || passwordHash !== undefined;
    await tx
      .update(users)
      .set({
        name,
        isSystemAdmin,
        active,
        ...(passwordHash ? { passwordHash } : {}),
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId));
    if (endSessions) await endAllUserSessions(tx, userId);
    await recordAudit(tx, {
      actor,
      action: 'user.update',
      targetType: 'user',
      targetId: userId,
      details: {
        email: current.email,
        ...(current.name !== name ? { name } : {}),
        ...(current.isSystemAdmin !== isSystemAdmin ? { isSystemAdmin } : {}),
        ...(current.active !== active ? { active } : {}),
        ...(passwordHash ? { passwordChanged: true } : {}),
      },
    });
  });
}
