import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { users } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { PermissionDeniedError, ValidationError } from '@/lib/errors';
import { parseInput } from '@/lib/validation';
import { log } from '@/lib/log';
import { hashPassword, passwordSchema, verifyPassword } from './password';
import { releaseSignInAttempt, reserveSignInAttempt } from './sign-in-throttle';
import { endOtherUserSessions } from './user-sessions';

export const ownPasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.'),
    newPassword: passwordSchema,
    confirmPassword: z.string(),
  })
  .refine((form) => form.newPassword === form.confirmPassword, { path: ['confirmPassword'], message: 'The two new passwords differ.' });

/**
 * The signed-in user sets a new password, proving the current one. As with any new password,
 * the user's other sessions end; the one they changed it in (`sessionId`) stays signed in.
 * Guesses of the current password count against the same limits as sign-in (per account and
 * per client `address`), so a session left open is no way around them.
 */
export async function changeOwnPassword({
  db,
  actor,
  sessionId,
  address,
  input,
}: {
  db: Database;
  actor: Actor | null;
  sessionId: string;
  address: string;
  input: unknown;
}) {
  if (!actor) throw new PermissionDeniedError();
  const form = parseInput(ownPasswordSchema, input);
  const keys = { email: actor.email, address };
  const minutes = await reserveSignInAttempt(db, keys);
  if (minutes > 0) {
    log.warn('password change refused', { ...keys, reason: 'throttled' });
    throw ValidationError.field('currentPassword', `Too many wrong passwords. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
  }
  const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, actor.userId));
  if (!user || !(await verifyPassword(user.passwordHash, form.currentPassword))) {
    log.warn('password change refused', { ...keys, reason: 'wrong current password' });
    throw ValidationError.field('currentPassword', 'That is not your current password.');
  }
  await releaseSignInAttempt(db, keys);
  const passwordHash = await hashPassword(form.newPassword);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, actor.userId));
    await endOtherUserSessions(tx, actor.userId, sessionId);
    await recordAudit(tx, { actor, action: 'user.change_password', targetType: 'user', targetId: actor.userId, details: { email: actor.email } });
  });
}
