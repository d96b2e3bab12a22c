import { and, count, eq, gt, isNull, or } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { customers, mailboxes, requestParticipants, requests, senderRules } from '@/db/schema';
import { classifyAutomatedMail } from '@/lib/email/classify-automated-mail';
import type { ParsedEmail } from '@/lib/email/parse-email';

/** Requests one sender may open through one channel per hour before further mail is refused. */
export const SENDER_RATE_LIMIT_PER_HOUR = 20;

export type PolicyDecision =
  | { verdict: 'accept'; allowlisted: boolean }
  | { verdict: 'ignored'; reason: string }
  | { verdict: 'rejected'; reason: string };

function matches(pattern: string, address: string): boolean {
  return pattern.includes('@') ? pattern === address : address.endsWith(`@${pattern}`);
}

/**
 * Whether an email may reach a project at all. Blocklists win; an allowlisted sender skips
 * the automatic-mail filters and the restricted-project check; Intake's own addresses never
 * loop back in.
 */
export async function applySenderPolicy(
  db: Queryable,
  context: { projectId: string; emailAccess: 'open' | 'restricted' },
  email: ParsedEmail,
): Promise<PolicyDecision> {
  if (!email.from) return { verdict: 'rejected', reason: 'no single valid sender in From' };
  const sender = email.from.address;
  const [own] = await db.select({ id: mailboxes.id }).from(mailboxes).where(eq(mailboxes.emailAddress, sender)).limit(1);
  if (own) return { verdict: 'ignored', reason: 'mail from one of Intake’s own addresses (loop)' };

  const rules = await db
    .select({ kind: senderRules.kind, pattern: senderRules.pattern })
    .from(senderRules)
    .where(or(isNull(senderRules.projectId), eq(senderRules.projectId, context.projectId)));
  if (rules.some((rule) => rule.kind === 'block' && matches(rule.pattern, sender))) return { verdict: 'rejected', reason: 'blocklisted sender' };
  const allowlisted = rules.some((rule) => rule.kind === 'allow' && matches(rule.pattern, sender));
  if (allowlisted) return { verdict: 'accept', allowlisted };

  const automated = classifyAutomatedMail(email);
  if (automated) return { verdict: 'ignored', reason: `${automated.kind} (${automated.reason})` };

  if (context.emailAccess === 'restricted' && !(await isKnownCustomer(db, context.projectId, sender))) {
    return { verdict: 'rejected', reason: 'unknown sender: this project accepts mail only from known customers' };
  }
  return { verdict: 'accept', allowlisted };
}

/** A known customer of a project reported one of its requests or takes part in one. */
async function isKnownCustomer(db: Queryable, projectId: string, address: string): Promise<boolean> {
  const [reporter] = await db
    .select({ id: requests.id })
    .from(requests)
    .innerJoin(customers, eq(customers.id, requests.reporterId))
    .where(and(eq(requests.projectId, projectId), eq(customers.email, address)))
    .limit(1);
  if (reporter) return true;
  const [participant] = await db
    .select({ id: requests.id })
    .from(requestParticipants)
    .innerJoin(requests, eq(requests.id, requestParticipants.requestId))
    .innerJoin(customers, eq(customers.id, requestParticipants.customerId))
    .where(and(eq(requests.projectId, projectId), eq(customers.email, address)))
    .limit(1);
  return participant !== undefined;
}

/** Whether this sender already opened too many requests through this mailbox in the last hour. */
export async function senderOverRateLimit(db: Queryable, mailboxId: string, reporterId: string): Promise<boolean> {
  const [row] = await db
    .select({ total: count() })
    .from(requests)
    .where(and(eq(requests.mailboxId, mailboxId), eq(requests.reporterId, reporterId), gt(requests.createdAt, new Date(Date.now() - 3_600_000))));
  return Number(row?.total ?? 0) >= SENDER_RATE_LIMIT_PER_HOUR;
}
