import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { attachments } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { NotFoundError } from '@/lib/errors';
import { loadRequestForAgent } from './request-access';

/** An attachment's bytes, for agents of the request's project only. */
export async function getAttachment({ db, actor, attachmentId }: { db: Queryable; actor: Actor | null; attachmentId: string }) {
  if (!/^[0-9a-f-]{36}$/.test(attachmentId)) throw new NotFoundError('The attachment');
  const [attachment] = await db.select().from(attachments).where(eq(attachments.id, attachmentId));
  if (!attachment) throw new NotFoundError('The attachment');
  await loadRequestForAgent(db, actor, attachment.requestId);
  return attachment;
}
