import type { Queryable } from '@/db/client';
import { users } from '@/db/schema';

/** False until the first system admin exists; every page then leads to setup. */
export async function hasAnyUser(db: Queryable): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).limit(1);
  return row !== undefined;
}
