import { sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { customers } from '@/db/schema';

/** The customer with this address, created on first contact; a name is learnt once. */
export async function upsertCustomer(db: Queryable, { email, name }: { email: string; name: string }): Promise<string> {
  const [customer] = await db
    .insert(customers)
    .values({ email: email.toLowerCase(), name: name.slice(0, 200) })
    .onConflictDoUpdate({
      target: customers.email,
      set: { name: sql`case when ${customers.name} = '' then excluded.name else ${customers.name} end` },
    })
    .returning({ id: customers.id });
  return customer!.id;
}
