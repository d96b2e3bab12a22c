import { desc, eq, lt } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { auditLog, users } from '@/db/schema';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';

export interface ListAuditEntriesInput {
  db: Queryable;
  actor: Actor | null;
  /** Show entries older than this id (keyset pagination). */
  before?: number;
  limit?: number;
}

export async function listAuditEntries({ db, actor, before, limit = 50 }: ListAuditEntriesInput) {
  requireSystemAdmin(actor);
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      details: auditLog.details,
      actorEmail: users.email,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(before ? lt(auditLog.id, before) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(limit);
}
