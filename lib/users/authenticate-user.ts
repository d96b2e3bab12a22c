import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '@/db/client';
import { users } from '@/db/schema';
import { verifyAgainstDecoy, verifyPassword } from './password';

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(256),
});

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
}

/** The user these credentials belong to, or null; never says which part was wrong. */
export async function authenticateUser(db: Queryable, input: unknown): Promise<AuthenticatedUser | null> {
  const parsed = credentialsSchema.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const [user] = await db.select().from(users).where(eq(users.email, email));
  if (!user?.active) {
    await verifyAgainstDecoy(password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  await db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
  return { id: user.id, email: user.email, name: user.name };
}
