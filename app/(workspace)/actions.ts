'use server';

import { auth, signOut } from '@/app/_server/auth';
import { getDb } from '@/db/client';
import { endUserSession } from '@/lib/users/user-sessions';

export async function signOutAction(): Promise<void> {
  const session = await auth();
  if (session?.userId && session.sessionId) await endUserSession(await getDb(), { userId: session.userId, sessionId: session.sessionId });
  await signOut({ redirectTo: '/sign-in' });
}
