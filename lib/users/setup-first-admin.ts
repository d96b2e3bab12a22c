import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { users } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { PermissionDeniedError } from '@/lib/errors';
import { parseInput } from '@/lib/validation';
import { hashPassword } from './password';
import { newUserSchema } from './user-schemas';

/** Serialises concurrent setup attempts so exactly one first admin can exist. */
const SETUP_LOCK_ID = 731_044_202;

export async function setupFirstAdmin({ db, input }: { db: Database; input: unknown }) {
  const { name, email, password } = parseInput(newUserSchema, input);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK_ID})`);
    const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
    if (existing) throw new PermissionDeniedError('Intake is already set up. Sign in instead.');
    const [admin] = await tx.insert(users).values({ name, email, passwordHash, isSystemAdmin: true }).returning({ id: users.id, email: users.email });
    await recordAudit(tx, {
      actor: null,
      action: 'setup.first_admin',
      targetType: 'user',
      targetId: admin!.id,
      details: { email },
    });
    return admin!;
  });
}
