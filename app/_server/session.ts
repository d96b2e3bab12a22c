import { redirect } from 'next/navigation';
import { cache } from 'react';
import { type Database, getDb } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { hasAnyUser } from '@/lib/users/has-any-user';
import { loadActor } from '@/lib/users/load-actor';
import { auth } from './auth';

/** The signed-in, still-active user of this request, or null. Cached per request. */
export const getActor = cache(async (): Promise<Actor | null> => {
  const session = await auth();
  if (!session?.userId || !session.sessionId) return null;
  return loadActor(await getDb(), { userId: session.userId, sessionId: session.sessionId });
});

/** For pages: the actor, or a redirect to setup (no users yet) or sign-in. */
export async function requireActor(): Promise<Actor> {
  const actor = await getActor();
  if (actor) return actor;
  if (!(await hasAnyUser(await getDb()))) redirect('/setup');
  redirect('/sign-in');
}

export async function requireSystemAdminPage(): Promise<Actor> {
  const actor = await requireActor();
  if (!actor.isSystemAdmin) redirect('/projects');
  return actor;
}

/** What every business function needs: the database and who is asking. */
export async function requestContext(): Promise<{ db: Database; actor: Actor | null }> {
  return { db: await getDb(), actor: await getActor() };
}
