import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { inboundMessages } from '@/db/schema';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { NotFoundError, PermissionDeniedError } from '@/lib/errors';
import { isUuid } from '@/lib/validation';

/** The original bytes of a fetched email, for people of the project it was filed in. */
export async function getInboundRaw({ db, actor, messageId }: { db: Queryable; actor: Actor | null; messageId: string }) {
  if (!isUuid(messageId)) throw new NotFoundError('The message');
  const [message] = await db
    .select({ raw: inboundMessages.raw, projectId: inboundMessages.projectId, subject: inboundMessages.subject })
    .from(inboundMessages)
    .where(eq(inboundMessages.id, messageId));
  if (!message?.raw) throw new NotFoundError('The message');
  await requireProjectRole(db, actor, message.projectId, 'agent').catch((error: unknown) => {
    throw error instanceof PermissionDeniedError ? new NotFoundError('The message') : error;
  });
  return { raw: message.raw, subject: message.subject };
}
