import { eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { projects, requests } from '@/db/schema';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { NotFoundError, PermissionDeniedError } from '@/lib/errors';
import { requestKey } from './insert-request';

/** Loads a request an agent of its project may work on; anyone else gets "not found". */
export async function loadRequestForAgent(db: Queryable, actor: Actor | null, requestId: string) {
  const [row] = await db
    .select({ request: requests, projectKey: projects.key, projectName: projects.name })
    .from(requests)
    .innerJoin(projects, eq(projects.id, requests.projectId))
    .where(eq(requests.id, requestId));
  if (!row) throw new NotFoundError('The request');
  await requireProjectRole(db, actor, row.request.projectId, 'agent').catch((error: unknown) => {
    throw error instanceof PermissionDeniedError ? new NotFoundError('The request') : error;
  });
  return { ...row.request, key: requestKey(row.projectKey, row.request.number), projectKey: row.projectKey, projectName: row.projectName };
}
