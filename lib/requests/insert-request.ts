import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { projects, requestParticipants, requests } from '@/db/schema';
import { truncate } from '@/lib/email/unsafe-characters';

export interface NewRequest {
  projectId: string;
  summary: string;
  description: string;
  descriptionHtml?: string | null;
  reporterId: string | null;
  mailboxId?: string | null;
  createdById?: string | null;
  participantIds?: string[];
  /** Filed from the mail its mailbox held when it was connected. */
  imported?: boolean;
}

/** A subject as a request's summary: one trimmed line of at most 255 characters, never empty. */
export function requestSummary(subject: string): string {
  return truncate(subject.trim(), 255).trim() || '(no subject)';
}

export function requestKey(projectKey: string, number: number): string {
  return `${projectKey}-${number}`;
}

/**
 * Inserts a request numbered from the project's counter. Run inside the caller's transaction:
 * the counter moves only if the request is committed, so keys have no gaps.
 */
export async function insertRequest(tx: Queryable, request: NewRequest): Promise<{ id: string; number: number; key: string; summary: string }> {
  const [project] = await tx
    .update(projects)
    .set({ requestCounter: sql`${projects.requestCounter} + 1` })
    .where(eq(projects.id, request.projectId))
    .returning({ number: projects.requestCounter, key: projects.key });
  if (!project) throw new Error('The project of a new request does not exist.');
  const summary = requestSummary(request.summary);
  const [row] = await tx
    .insert(requests)
    .values({
      projectId: request.projectId,
      number: project.number,
      summary,
      description: request.description,
      descriptionHtml: request.descriptionHtml ?? null,
      reporterId: request.reporterId,
      mailboxId: request.mailboxId ?? null,
      createdById: request.createdById ?? null,
      imported: request.imported ?? false,
    })
    .returning({ id: requests.id });
  const participants = [...new Set(request.participantIds ?? [])].filter((id) => id !== request.reporterId);
  if (participants.length > 0) {
    await tx
      .insert(requestParticipants)
      .values(participants.map((customerId) => ({ requestId: row!.id, customerId })))
      .onConflictDoNothing();
  }
  return { id: row!.id, number: project.number, key: requestKey(project.key, project.number), summary };
}
