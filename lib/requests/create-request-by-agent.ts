import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { mailboxes, requestEvents } from '@/db/schema';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { upsertCustomer } from '@/lib/customers/upsert-customer';
import { recordNotifications } from '@/lib/notifications/record-notifications';
import { emailSchema } from '@/lib/users/user-schemas';
import { parseInput, projectIdOf } from '@/lib/validation';
import { insertRequest } from './insert-request';

export const agentRequestSchema = z.object({
  projectId: z.uuid(),
  summary: z.string().trim().min(1, 'Enter a summary.').max(255, 'Use at most 255 characters.'),
  description: z.string().trim().max(100_000, 'Use at most 100,000 characters.').default(''),
  /** The customer the request is for; empty for an internal request. */
  reporterEmail: z.union([z.literal(''), emailSchema]).default(''),
  reporterName: z.string().trim().max(200).default(''),
});

/** An agent raises a request by hand, e.g. for a phone call. */
export async function createRequestByAgent({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  await requireProjectRole(db, actor, projectIdOf(input), 'agent');
  const form = parseInput(agentRequestSchema, input);
  return db.transaction(async (tx) => {
    const reporterId = form.reporterEmail ? await upsertCustomer(tx, form.projectId, { email: form.reporterEmail, name: form.reporterName }) : null;
    const [channel] = await tx
      .select({ id: mailboxes.id })
      .from(mailboxes)
      .where(and(eq(mailboxes.projectId, form.projectId), eq(mailboxes.kind, 'channel')));
    const created = await insertRequest(tx, {
      projectId: form.projectId,
      summary: form.summary,
      description: form.description,
      reporterId,
      mailboxId: channel?.id ?? null,
      createdById: actor!.userId,
    });
    await tx.insert(requestEvents).values({ requestId: created.id, actorUserId: actor!.userId, kind: 'status', fromValue: null, toValue: 'open' });
    await recordNotifications(tx, { kind: 'new_request', requestIds: [created.id], actorId: actor!.userId });
    return created;
  });
}
