import { and, count, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { customers, requestParticipants, requests, senderRules } from '@/db/schema';
import { classifyAutomatedMail } from '@/lib/email/classify-automated-mail';
import type { ParsedEmail } from '@/lib/email/parse-email';
import { listOwnAddresses } from '@/lib/mailboxes/list-own-addresses';

/** Requests one sender may open through one channel per hour before further mail is refused. */
export const SENDER_RATE_LIMIT_PER_HOUR = 20;

export type PolicyDecision = { verdict: 'accept'; allowlisted: boolean } | { verdict: 'ignored'; reason: string } | { verdict: 'rejected'; reason: string };

function matches(pattern: string, address: string): boolean {
  return pattern.includes('@') ? pattern === address : address.endsWith(`@${pattern}`);
}

/** What the policy reads from the database, loaded once for a batch of messages. */
export interface SenderPolicyData {
  ownAddresses: Set<string>;
  rules: { kind: 'allow' | 'block'; pattern: string }[];
}

export async function loadSenderPolicyData(db: Queryable, projectId: string): Promise<SenderPolicyData> {
  const ownAddresses = await listOwnAddresses(db);
  const rules = await db
    .select({ kind: senderRules.kind, pattern: senderRules.pattern })
    .from(senderRules)
    .where(or(isNull(senderRules.projectId), eq(senderRules.projectId, projectId)));
  return { ownAddresses, rules };
}

/**
 * The decision as far as it needs no further lookup: `known-customer?` when only a known
 * customer of a restricted project may get through, which `applySenderPolicy` then asks.
 */
export function decideSenderPolicy(
  data: SenderPolicyData,
  emailAccess: 'open' | 'restricted',
  email: ParsedEmail,
): PolicyDecision | { verdict: 'known-customer?' } {
  if (!email.from) return { verdict: 'rejected', reason: 'no single valid sender in From' };
  const sender = email.from.address;
  if (data.ownAddresses.has(sender)) return { verdict: 'ignored', reason: 'mail from one of Intake’s own addresses (loop)' };
  if (data.rules.some((rule) => rule.kind === 'block' && matches(rule.pattern, sender))) return { verdict: 'rejected', reason: 'blocklisted sender' };
  const allowlisted = data.rules.some((rule) => rule.kind === 'allow' && matches(rule.pattern, sender));
  if (allowlisted) return { verdict: 'accept', allowlisted };

  const automated = automatedMailReason(email);
  if (automated) return { verdict: 'ignored', reason: automated };
  return emailAccess === 'restricted' ? { verdict: 'known-customer?' } : { verdict: 'accept', allowlisted };
}

/** Why an email is machine-made mail that is never filed (an auto-reply, a bounce…), or null. */
export function automatedMailReason(email: ParsedEmail): string | null {
  const automated = classifyAutomatedMail(email);
  return automated ? `${automated.kind} (${automated.reason})` : null;
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
  const decision = decideSenderPolicy(await loadSenderPolicyData(db, context.projectId), context.emailAccess, email);
  if (decision.verdict !== 'known-customer?') return decision;
  if (!(await isKnownCustomer(db, context.projectId, email.from!.address))) {
    return { verdict: 'rejected', reason: 'unknown sender: this project accepts mail only from known customers' };
  }
  return { verdict: 'accept', allowlisted: false };
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
    .where(
      and(
        eq(requests.mailboxId, mailboxId),
        eq(requests.reporterId, reporterId),
        eq(requests.imported, false),
        gt(requests.createdAt, new Date(Date.now() - 3_600_000)),
      ),
    );
  return Number(row?.total ?? 0) >= SENDER_RATE_LIMIT_PER_HOUR;
}

/** Requests each of these senders opened through this mailbox in the last hour, by address; one query for a batch. */
export async function senderRequestCounts(db: Queryable, mailboxId: string, addresses: string[]): Promise<Map<string, number>> {
  if (addresses.length === 0) return new Map();
  const rows = await db
    .select({ email: customers.email, total: count() })
    .from(requests)
    .innerJoin(customers, eq(customers.id, requests.reporterId))
    .where(
      and(
        eq(requests.mailboxId, mailboxId),
        inArray(customers.email, addresses),
        eq(requests.imported, false),
        gt(requests.createdAt, new Date(Date.now() - 3_600_000)),
      ),
    )
    .groupBy(customers.email);
  return new Map(rows.map((row) => [row.email, Number(row.total)]));
}
