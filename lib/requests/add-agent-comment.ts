import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Transaction } from '@/db/client';
import { comments, customers, projectMembers, requestEvents, requestParticipants, requests, users } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { safeAttachmentContentType } from '@/lib/email/attachment-content-type';
import { safeAttachmentFilename } from '@/lib/email/attachment-filename';
import type { ParsedAttachment } from '@/lib/email/parsed-email';
import { getEnv } from '@/lib/env';
import { ValidationError } from '@/lib/errors';
import { attachmentsTooLargeMessage, totalSize } from '@/lib/files/attachment-limit';
import { storeAttachments } from '@/lib/ingest/store-attachments';
import { findMentions } from '@/lib/notifications/find-mentions';
import { recordNotifications } from '@/lib/notifications/record-notifications';
import { queueOutboundMessage } from '@/lib/outbound/queue-outbound-message';
import { parseInput } from '@/lib/validation';
import { loadRequestForAgent } from './request-access';

/** The comment form; `maxAttachmentBytes` is what its files may come to together. */
export function agentCommentSchema(maxAttachmentBytes: number) {
  return z.object({
    requestId: z.uuid(),
    body: z.string().trim().min(1, 'Write a comment first.').max(100_000, 'Use at most 100,000 characters.'),
    /** `reply`: emailed to the customer; `internal`: agents only. */
    kind: z.enum(['reply', 'internal'], { error: 'Choose Reply to customer or Internal note.' }),
    files: z
      // One list, so that any problem shows on the one file field.
      .custom<File[]>((value) => Array.isArray(value) && value.every((file) => file instanceof File), { error: 'Choose files to attach.' })
      .default([])
      .refine((files) => totalSize(files) <= maxAttachmentBytes, {
        error: (issue) => attachmentsTooLargeMessage(maxAttachmentBytes, totalSize(issue.input as File[])),
      }),
  });
}

/** An agent's file as it is stored: named and typed like a customer's attachment. */
async function toAttachment(file: File, position: number): Promise<ParsedAttachment> {
  const contentType = safeAttachmentContentType(file.type);
  const content = Buffer.from(await file.arrayBuffer());
  return { filename: safeAttachmentFilename(file.name, contentType, position), contentType, size: content.length, content, contentId: null, inline: false };
}

/**
 * An agent's comment. A reply to the customer is emailed to the reporter and participants
 * through the project's mailbox; its delivery is queued in the same transaction, so a failed
 * send never loses the comment. Replying puts the request in *Waiting for customer*. Its files
 * are stored with it; a reply's go out with the email, an internal note's stay with the agents.
 */
export async function addAgentComment({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }) {
  const form = parseInput(agentCommentSchema(getEnv().INTAKE_MAX_ATTACHMENT_BYTES), input);
  const request = await loadRequestForAgent(db, actor, form.requestId);
  const files = await Promise.all(form.files.map((file, index) => toAttachment(file, index + 1)));
  return db.transaction((tx) => writeAgentComment(tx, actor!, request, form, files));
}

/** The writes of an agent's comment, in the caller's transaction, for an agent already allowed on the request. */
export async function writeAgentComment(
  tx: Transaction,
  actor: Actor,
  request: Awaited<ReturnType<typeof loadRequestForAgent>>,
  form: { kind: 'reply' | 'internal'; body: string },
  files: ParsedAttachment[] = [],
) {
  const [comment] = await tx
    .insert(comments)
    .values({ requestId: request.id, visibility: form.kind === 'reply' ? 'public' : 'internal', authorUserId: actor.userId, body: form.body })
    .returning({ id: comments.id });
  await storeAttachments(tx, [{ requestId: request.id, commentId: comment!.id, files }]);
  const now = new Date();
  let outboundId: string | null = null;
  if (form.kind === 'reply') {
    const reporter = request.reporterId ? await tx.select({ email: customers.email }).from(customers).where(eq(customers.id, request.reporterId)) : [];
    const participants = await tx
      .select({ email: customers.email })
      .from(requestParticipants)
      .innerJoin(customers, eq(customers.id, requestParticipants.customerId))
      .where(eq(requestParticipants.requestId, request.id));
    outboundId = await queueOutboundMessage(tx, {
      request,
      commentId: comment!.id,
      kind: 'reply',
      recipients: [...reporter, ...participants].map((row) => row.email),
    });
    if (!outboundId) {
      throw new ValidationError(
        {
          body: ['Nobody can receive this reply: the request has no customer email address or the project has no email channel. Use an internal note instead.'],
        },
        'The reply was not saved.',
      );
    }
    if (request.status === 'open') {
      await tx.insert(requestEvents).values({ requestId: request.id, actorUserId: actor.userId, kind: 'status', fromValue: 'open', toValue: 'waiting' });
    }
  }
  if (form.kind === 'internal') {
    const people = await tx
      .select({ id: users.id, email: users.email, name: users.name })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .where(eq(projectMembers.projectId, request.projectId));
    await recordNotifications(tx, { kind: 'mentioned', requestIds: [request.id], actorId: actor.userId, recipientIds: findMentions(form.body, people) });
  }
  await tx
    .update(requests)
    .set({ lastActivityAt: now, updatedAt: now, ...(form.kind === 'reply' && request.status === 'open' ? { status: 'waiting' as const } : {}) })
    .where(eq(requests.id, request.id));
  return { commentId: comment!.id, outboundId };
}
