import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Queryable } from '@/db/client';
import { senderRules } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireProjectRole, requireSystemAdmin } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { normalizeDomain, normalizeEmailAddress } from '@/lib/oauth/mailbox-domains';
import { isUniqueViolation, parseInput } from '@/lib/validation';

/** Global rules (no project) belong to system admins; a project's rules to its admins. */
async function requireRulesAdmin(db: Queryable, actor: Actor | null, projectId: string | null) {
  if (projectId) await requireProjectRole(db, actor, projectId, 'admin');
  else requireSystemAdmin(actor);
}

const scopeSchema = z.union([z.literal(''), z.uuid()]).transform((value) => value || null);

export async function listSenderRules({ db, actor, projectId }: { db: Queryable; actor: Actor | null; projectId: string | null }) {
  await requireRulesAdmin(db, actor, projectId);
  return db
    .select({ id: senderRules.id, kind: senderRules.kind, pattern: senderRules.pattern })
    .from(senderRules)
    .where(projectId ? eq(senderRules.projectId, projectId) : isNull(senderRules.projectId))
    .orderBy(asc(senderRules.kind), asc(senderRules.pattern));
}

export const senderRuleSchema = z.object({
  projectId: scopeSchema,
  kind: z.enum(['allow', 'block'], { error: 'Choose Allow or Block.' }),
  pattern: z.string().trim().min(1, 'Enter an address or a domain.').max(254),
});

/** Adds an address (`jane@acme.com`) or a whole domain (`acme.com`) to the allow- or blocklist. */
export async function addSenderRule({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  await requireRulesAdmin(db, actor, parseInput(senderRuleSchema.pick({ projectId: true }), input).projectId);
  const form = parseInput(senderRuleSchema, input);
  const asAddress = form.pattern.includes('@') ? normalizeEmailAddress(form.pattern) : null;
  const asDomain = form.pattern.includes('@') ? null : normalizeDomain(form.pattern);
  const pattern = asAddress ?? (asDomain?.ok ? asDomain.domain : null);
  if (!pattern) throw ValidationError.field('pattern', 'Enter an email address such as jane@acme.com or a domain such as acme.com.');
  try {
    await db.transaction(async (tx) => {
      await tx.insert(senderRules).values({ projectId: form.projectId, kind: form.kind, pattern });
      await recordAudit(tx, {
        actor,
        action: 'sender_rule.add',
        targetType: form.projectId ? 'project' : 'system',
        targetId: form.projectId,
        details: { kind: form.kind, pattern },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw ValidationError.field('pattern', `${pattern} is already on this list.`);
    throw error;
  }
}

export async function removeSenderRule({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  const { ruleId } = parseInput(z.object({ ruleId: z.uuid() }), input);
  const [rule] = await db.select().from(senderRules).where(eq(senderRules.id, ruleId));
  if (!rule) return;
  await requireRulesAdmin(db, actor, rule.projectId);
  await db.transaction(async (tx) => {
    await tx.delete(senderRules).where(and(eq(senderRules.id, ruleId)));
    await recordAudit(tx, {
      actor,
      action: 'sender_rule.remove',
      targetType: rule.projectId ? 'project' : 'system',
      targetId: rule.projectId,
      details: { kind: rule.kind, pattern: rule.pattern },
    });
  });
}
