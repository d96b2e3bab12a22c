import { inArray, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { signInThrottles } from '@/db/schema';

/** Failures allowed in a window before the key is locked for the rest of it. */
const LIMITS = { account: 5, address: 20 } as const;
const WINDOW_MINUTES = 15;

export interface SignInKeys {
  email: string;
  address: string;
}

function keysOf({ email, address }: SignInKeys): string[] {
  return [`account:${email.trim().toLowerCase()}`, `address:${address}`];
}

/** Minutes until sign-in is possible again for this account or address, or 0. */
export async function signInLockedFor(db: Queryable, keys: SignInKeys): Promise<number> {
  const rows = await db.select({ lockedUntil: signInThrottles.lockedUntil }).from(signInThrottles).where(inArray(signInThrottles.key, keysOf(keys)));
  const until = Math.max(0, ...rows.map((row) => row.lockedUntil?.getTime() ?? 0));
  return until > Date.now() ? Math.ceil((until - Date.now()) / 60_000) : 0;
}

/** Counts a failed sign-in against both the account and the client address. */
export async function recordFailedSignIn(db: Queryable, keys: SignInKeys): Promise<void> {
  for (const key of keysOf(keys)) {
    const limit = key.startsWith('account:') ? LIMITS.account : LIMITS.address;
    const window = sql`interval '${sql.raw(String(WINDOW_MINUTES))} minutes'`;
    await db
      .insert(signInThrottles)
      .values({ key, failures: 1 })
      .onConflictDoUpdate({
        target: signInThrottles.key,
        set: {
          failures: sql`case when ${signInThrottles.windowStartedAt} < now() - ${window} then 1 else ${signInThrottles.failures} + 1 end`,
          windowStartedAt: sql`case when ${signInThrottles.windowStartedAt} < now() - ${window} then now() else ${signInThrottles.windowStartedAt} end`,
          lockedUntil: sql`case when ${signInThrottles.windowStartedAt} >= now() - ${window} and ${signInThrottles.failures} + 1 >= ${limit} then now() + ${window} else ${signInThrottles.lockedUntil} end`,
        },
      });
  }
}

/** A successful sign-in clears the account's failures (the address keeps its count). */
export async function clearFailedSignIns(db: Queryable, keys: SignInKeys): Promise<void> {
  await db.delete(signInThrottles).where(inArray(signInThrottles.key, [keysOf(keys)[0]!]));
}
