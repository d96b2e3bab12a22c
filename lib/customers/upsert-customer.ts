import { sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { customerNames, customers } from '@/db/schema';

/**
 * Everyone named, created on first contact, in one statement each; sorted so that concurrent
 * transactions lock customers in one order. A name is learnt once per project: the first
 * non-empty one given there. Returns each address's customer id.
 */
export async function upsertCustomers(db: Queryable, projectId: string, people: { email: string; name: string }[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const { email, name } of people) {
    const address = email.toLowerCase();
    if (!names.get(address)) names.set(address, name.trim().slice(0, 200));
  }
  if (names.size === 0) return new Map();
  const addresses = [...names.keys()].sort();
  const upserted = await db
    .insert(customers)
    .values(addresses.map((email) => ({ email })))
    // A no-op update, so that RETURNING names the customers that already existed too.
    .onConflictDoUpdate({ target: customers.email, set: { email: sql`excluded.email` } })
    .returning({ id: customers.id, email: customers.email });
  const ids = new Map(upserted.map((row) => [row.email, row.id]));
  const named = addresses.filter((address) => names.get(address)).map((address) => ({ customerId: ids.get(address)!, projectId, name: names.get(address)! }));
  if (named.length > 0) await db.insert(customerNames).values(named).onConflictDoNothing();
  return ids;
}

/** One customer: see upsertCustomers. */
export async function upsertCustomer(db: Queryable, projectId: string, person: { email: string; name: string }): Promise<string> {
  const ids = await upsertCustomers(db, projectId, [person]);
  return ids.get(person.email.toLowerCase())!;
}
