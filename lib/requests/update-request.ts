import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { customers, projectMembers, requestEvents, requestParticipants, requests, users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { upsertCustomer } from '@/lib/customers/upsert-customer';
import { recordNotifications } from '@/lib/notifications/record-notifications';
import { ValidationError } from '@/lib/errors';
import { emailSchema } from '@/lib/users/user-schemas';
import { parseInput } from '@/lib/validation';
import { loadRequestForAgent } from './request-access';

export const requestFieldsSchema = z.object({
  requestId: z.uuid(),
  status: z.enum(['open', 'waiting', 'resolved'], { error: 'Choose a status.' }),
  /** A user id, or empty for unassigned. */
  assigneeId: z.union([z.literal(''), z.uuid()]).default(''),
});

/** Changes status and assignee, recording each change in the request's history. */
export async function updateRequest({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  const form = parseInput(requestFieldsSchema, input);
  const request = await loadRequestForAgent(db, actor, form.requestId);
  const assigneeId = form.assigneeId || null;
  let assigneeName: string | null = null;
  if (assigneeId) {
    const [member] = await db
      .select({ name: users.name })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .where(and(eq(projectMembers.projectId, request.projectId), eq(projectMembers.userId, assigneeId), eq(users.active, true)));
    const [admin] = member
      ? []
      : await db
          .select({ name: users.name })
          .from(users)
          .where(and(eq(users.id, assigneeId), eq(users.isSystemAdmin, true), eq(users.active, true)));
    if (!member && !admin) throw ValidationError.field('assigneeId', 'Assign the request to someone who works in this project.');
    assigneeName = (member ?? admin)!.name;
  }
  await db.transaction(async (tx) => {
    const now = new Date();
    if (form.status !== request.status) {
      await tx
        .insert(requestEvents)
        .values({ requestId: request.id, actorUserId: actor!.userId, kind: 'status', fromValue: request.status, toValue: form.status });
    }
    if (assigneeId !== request.assigneeId) {
      await tx
        .insert(requestEvents)
        .values({ requestId: request.id, actorUserId: actor!.userId, kind: 'assignee', fromValue: request.assigneeId, toValue: assigneeName ?? 'Unassigned' });
      if (assigneeId) await recordNotifications(tx, { kind: 'assigned', requestIds: [request.id], actorId: actor!.userId, recipientIds: [assigneeId] });
    }
    await tx.update(requests).set({ status: form.status, assigneeId, updatedAt: now, lastActivityAt: now }).where(eq(requests.id, request.id));
  });
}

export const participantSchema = z.object({
  requestId: z.uuid(),
  email: emailSchema,
  name: z.string().trim().max(200).default(''),
});

/** Adds a customer (by address) to those who receive the request's replies. */
export async function addParticipant({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  const form = parseInput(participantSchema, input);
  const request = await loadRequestForAgent(db, actor, form.requestId);
  await db.transaction(async (tx) => {
    const customerId = await upsertCustomer(tx, request.projectId, { email: form.email, name: form.name });
    if (customerId === request.reporterId) throw ValidationError.field('email', 'This is the reporter; they always receive replies.');
    const inserted = await tx
      .insert(requestParticipants)
      .values({ requestId: request.id, customerId })
      .onConflictDoNothing()
      .returning({ id: requestParticipants.customerId });
    if (inserted.length > 0)
      await tx.insert(requestEvents).values({ requestId: request.id, actorUserId: actor!.userId, kind: 'participant_added', toValue: form.email });
  });
}

export async function removeParticipant({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  const form = parseInput(z.object({ requestId: z.uuid(), customerId: z.uuid() }), input);
  const request = await loadRequestForAgent(db, actor, form.requestId);
  await db.transaction(async (tx) => {
    const [customer] = await tx.select({ email: customers.email }).from(customers).where(eq(customers.id, form.customerId));
    const removed = await tx
      .delete(requestParticipants)
      .where(and(eq(requestParticipants.requestId, request.id), eq(requestParticipants.customerId, form.customerId)))
      .returning({ id: requestParticipants.customerId });
    if (removed.length > 0)
      await tx
        .insert(requestEvents)
        .values({ requestId: request.id, actorUserId: actor!.userId, kind: 'participant_removed', fromValue: customer?.email ?? null });
  });
}
