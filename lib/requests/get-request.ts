import { and, asc, eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import {
  attachments,
  comments,
  customers,
  inboundMessages,
  outboundMessages,
  projects,
  requestEvents,
  requestParticipants,
  requests,
  users,
} from '@/db/schema';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { customerNameIn } from '@/lib/customers/customer-name';
import { NotFoundError, PermissionDeniedError } from '@/lib/errors';
import { requestKey } from './insert-request';

/** A request by its key (`SD-12`) with everything its page shows; hidden from non-members as not found. */
export async function getRequest({ db, actor, key }: { db: Queryable; actor: Actor | null; key: string }) {
  const match = /^([A-Z]{2,10})-(\d{1,9})$/.exec(key.toUpperCase());
  if (!match) throw new NotFoundError('The request');
  const [row] = await db
    .select({ request: requests, projectKey: projects.key, projectName: projects.name })
    .from(requests)
    .innerJoin(projects, eq(projects.id, requests.projectId))
    .where(and(eq(projects.key, match[1]!), eq(requests.number, Number(match[2]))));
  if (!row) throw new NotFoundError('The request');
  const role = await requireProjectRole(db, actor, row.request.projectId, 'agent').catch((error: unknown) => {
    if (error instanceof PermissionDeniedError) throw new NotFoundError('The request');
    throw error;
  });
  const request = row.request;
  const [reporter] = request.reporterId
    ? await db
        .select({ id: customers.id, email: customers.email, name: customerNameIn(request.projectId), createdAt: customers.createdAt })
        .from(customers)
        .where(eq(customers.id, request.reporterId))
    : [];
  const [assignee] = request.assigneeId
    ? await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, request.assigneeId))
    : [];
  const thread = await db
    .select({
      id: comments.id,
      visibility: comments.visibility,
      body: comments.body,
      fullBody: comments.fullBody,
      bodyHtml: comments.bodyHtml,
      createdAt: comments.createdAt,
      inboundMessageId: comments.inboundMessageId,
      customerEmail: customers.email,
      customerName: customerNameIn(request.projectId),
      userName: users.name,
    })
    .from(comments)
    .leftJoin(customers, eq(customers.id, comments.authorCustomerId))
    .leftJoin(users, eq(users.id, comments.authorUserId))
    .where(eq(comments.requestId, request.id))
    .orderBy(asc(comments.createdAt));
  const files = await db
    .select({
      id: attachments.id,
      commentId: attachments.commentId,
      filename: attachments.filename,
      contentType: attachments.contentType,
      size: attachments.size,
      contentId: attachments.contentId,
      inline: attachments.inline,
    })
    .from(attachments)
    .where(eq(attachments.requestId, request.id))
    .orderBy(asc(attachments.createdAt));
  const participants = await db
    .select({ id: customers.id, email: customers.email, name: customerNameIn(request.projectId) })
    .from(requestParticipants)
    .innerJoin(customers, eq(customers.id, requestParticipants.customerId))
    .where(eq(requestParticipants.requestId, request.id))
    .orderBy(asc(customers.email));
  const events = await db
    .select({
      id: requestEvents.id,
      kind: requestEvents.kind,
      fromValue: requestEvents.fromValue,
      toValue: requestEvents.toValue,
      at: requestEvents.at,
      actorName: users.name,
    })
    .from(requestEvents)
    .leftJoin(users, eq(users.id, requestEvents.actorUserId))
    .where(eq(requestEvents.requestId, request.id))
    .orderBy(asc(requestEvents.at));
  const [source] = await db
    .select({ id: inboundMessages.id })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.requestId, request.id), eq(inboundMessages.status, 'processed')))
    .orderBy(asc(inboundMessages.fetchedAt))
    .limit(1);
  const sent = await db
    .select({
      id: outboundMessages.id,
      commentId: outboundMessages.commentId,
      kind: outboundMessages.kind,
      status: outboundMessages.status,
      lastError: outboundMessages.lastError,
      recipients: outboundMessages.recipients,
    })
    .from(outboundMessages)
    .where(eq(outboundMessages.requestId, request.id));
  return {
    ...request,
    key: requestKey(row.projectKey, request.number),
    projectKey: row.projectKey,
    projectName: row.projectName,
    role,
    reporter: reporter ?? null,
    assignee: assignee ?? null,
    comments: thread,
    attachments: files,
    participants,
    events,
    sourceMessageId: source?.id ?? null,
    deliveries: sent,
  };
}
