import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { attachments } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { NotFoundError } from '@/lib/errors';
import { loadRequestForAgent } from './request-access';
import { isUuid } from '@/lib/validation';

/** An attachment's bytes, for agents of the request's project only. */
export async function getAttachment({ db, actor, attachmentId }: { db: Queryable; actor: Actor | null; attachmentId: string }) {
  if (!isUuid(attachmentId)) throw new NotFoundError('The attachment');
  const [attachment] = await db.select().from(attachments).where(eq(attachments.id, attachmentId));
  if (!attachment) throw new NotFoundError('The attachment');
  await loadRequestForAgent(db, actor, attachment.requestId);
  return attachment;
}
