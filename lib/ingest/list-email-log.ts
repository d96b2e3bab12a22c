import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { inboundMessages, projects, requests } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { loadMailboxForAdmin } from '@/lib/mailboxes/mailbox-access';
import { requestKey } from '@/lib/requests/insert-request';
import { isUuid } from '@/lib/validation';

export const EMAIL_LOG_PAGE_SIZE = 50;

/** Every message a mailbox fetched, newest first, with what became of it. */
export async function listEmailLog({ db, actor, mailboxId, before }: { db: Queryable; actor: Actor | null; mailboxId: string; before?: string }) {
  const mailbox = await loadMailboxForAdmin(db, actor, mailboxId);
  const [cursor] = isUuid(before)
    ? await db.select({ fetchedAt: inboundMessages.fetchedAt, id: inboundMessages.id }).from(inboundMessages).where(eq(inboundMessages.id, before))
    : [];
  const rows = await db
    .select({
      id: inboundMessages.id,
      fetchedAt: inboundMessages.fetchedAt,
      fromAddress: inboundMessages.fromAddress,
      subject: inboundMessages.subject,
      size: inboundMessages.size,
      status: inboundMessages.status,
      outcome: inboundMessages.outcome,
      imported: inboundMessages.imported,
      lastError: inboundMessages.lastError,
      attempts: inboundMessages.attempts,
      // Whether the source was kept, not the source itself: a page may list fifty 25 MB messages.
      hasRaw: sql<boolean>`${inboundMessages.raw} is not null`,
      requestNumber: requests.number,
      projectKey: projects.key,
    })
    .from(inboundMessages)
    .leftJoin(requests, eq(requests.id, inboundMessages.requestId))
    .leftJoin(projects, eq(projects.id, requests.projectId))
    .where(
      and(
        eq(inboundMessages.mailboxId, mailbox.id),
        cursor
          ? or(lt(inboundMessages.fetchedAt, cursor.fetchedAt), and(eq(inboundMessages.fetchedAt, cursor.fetchedAt), lt(inboundMessages.id, cursor.id)))
          : undefined,
      ),
    )
    .orderBy(desc(inboundMessages.fetchedAt), desc(inboundMessages.id))
    .limit(EMAIL_LOG_PAGE_SIZE + 1);
  const page = rows.slice(0, EMAIL_LOG_PAGE_SIZE).map(({ hasRaw, requestNumber, projectKey, ...row }) => ({
    ...row,
    hasRaw,
    requestKey: requestNumber !== null && projectKey ? requestKey(projectKey, requestNumber) : null,
  }));
  return { mailbox, rows: page, nextBefore: rows.length > EMAIL_LOG_PAGE_SIZE ? page.at(-1)!.id : null };
}
