import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';

/**
 * Every address Intake itself receives mail at, in any project: mail from one is a loop, and
 * none of them is ever a participant or a recipient of outgoing mail.
 */
export async function listOwnAddresses(db: Queryable): Promise<Set<string>> {
  const rows = await db.select({ address: mailboxes.emailAddress }).from(mailboxes);
  return new Set(rows.map((row) => row.address));
}
