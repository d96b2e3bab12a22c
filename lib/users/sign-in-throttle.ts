import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { signInThrottles } from '@/db/schema';

/** Attempts allowed in a window; further ones are refused for the rest of it. */
const LIMITS = { account: 5, address: 20 } as const;
const WINDOW_MINUTES = 15;

export interface SignInKeys {
  email: string;
  address: string;
}

function keysOf({ email, address }: SignInKeys): { account: string; address: string } {
  return { account: `account:${email.trim().toLowerCase()}`, address: `address:${address}` };
}

/**
 * Counts one attempt against the account and the client address before the password is
 * checked, so parallel guesses cannot all pass a check made before any of them is recorded:
 * the upsert takes the row's lock, and each attempt sees the count the one before it left.
 * Returns the minutes until another attempt may be made when this one is over a limit, else 0.
 */
export async function reserveSignInAttempt(db: Queryable, keys: SignInKeys): Promise<number> {
  const window = sql`interval '${sql.raw(String(WINDOW_MINUTES))} minutes'`;
  const expired = sql`${signInThrottles.windowStartedAt} < now() - ${window}`;
  let minutes = 0;
  for (const [kind, key] of Object.entries(keysOf(keys)) as Array<[keyof typeof LIMITS, string]>) {
    const [row] = await db
      .insert(signInThrottles)
      .values({ key, failures: 1 })
      .onConflictDoUpdate({
        target: signInThrottles.key,
        set: {
          failures: sql`case when ${expired} then 1 else ${signInThrottles.failures} + 1 end`,
          windowStartedAt: sql`case when ${expired} then now() else ${signInThrottles.windowStartedAt} end`,
        },
      })
      .returning({
        attempts: signInThrottles.failures,
        minutesLeft: sql<number>`ceil(extract(epoch from ${signInThrottles.windowStartedAt} + ${window} - now()) / 60)::int`,
      });
    if (row && row.attempts > LIMITS[kind]) minutes = Math.max(minutes, row.minutesLeft, 1);
  }
  return minutes;
}

/**
 * A successful sign-in clears the account's attempts and gives the address back the one it
 * reserved, so a whole office behind one address can keep signing in.
 */
export async function releaseSignInAttempt(db: Queryable, keys: SignInKeys): Promise<void> {
  const { account, address } = keysOf(keys);
  await db.delete(signInThrottles).where(eq(signInThrottles.key, account));
  await db
    .update(signInThrottles)
    .set({ failures: sql`greatest(${signInThrottles.failures} - 1, 0)` })
    .where(eq(signInThrottles.key, address));
}
