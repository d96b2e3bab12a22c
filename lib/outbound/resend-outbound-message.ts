import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { outboundMessages } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { loadRequestForAgent } from '@/lib/requests/request-access';
import { parseInput } from '@/lib/validation';

/**
 * Queues an email that was given up as not delivered for a fresh round of attempts, typically
 * after the mailbox's outgoing settings were fixed. Anyone who works the request may do it.
 */
export async function resendOutboundMessage({ db, actor, input }: { db: Database; actor: Actor | null; input: unknown }): Promise<void> {
  const form = parseInput(z.object({ requestId: z.uuid(), outboundId: z.uuid() }), input);
  const request = await loadRequestForAgent(db, actor, form.requestId);
  const requeued = await db
    .update(outboundMessages)
    .set({ status: 'queued', attempts: 0, lastError: null, claimedUntil: null, nextAttemptAt: sql`now()` })
    .where(and(eq(outboundMessages.id, form.outboundId), eq(outboundMessages.requestId, request.id), eq(outboundMessages.status, 'failed')))
    .returning({ id: outboundMessages.id });
  if (requeued.length === 0) throw new ValidationError({}, 'This email is not one that failed: it was sent, or it is already being sent.');
}
