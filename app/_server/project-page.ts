import { notFound } from 'next/navigation';
import { getDb } from '@/db/client';
import type { ProjectRole } from '@/lib/auth/actor';
import { NotFoundError, PermissionDeniedError } from '@/lib/errors';
import { getProject } from '@/lib/projects/get-project';
import { requireActor } from './session';

/** Loads a project for a page; unknown or hidden projects are a 404, missing rights are reported. */
export async function loadProjectForPage(key: string, needed: ProjectRole = 'agent') {
  const actor = await requireActor();
  const db = await getDb();
  try {
    return { actor, db, project: await getProject({ db, actor, key, needed }), denied: false as const };
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    if (error instanceof PermissionDeniedError) {
      return { actor, db, project: await getProject({ db, actor, key }), denied: true as const };
    }
    throw error;
  }
}
