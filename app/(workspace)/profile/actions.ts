'use server';

import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import { auth } from '@/app/_server/auth';
import { formAction, formInput } from '@/app/_server/form-action';
import { CLIENT_ADDRESS_HEADER } from '@/lib/net/client-address';
import { NOTIFICATION_KINDS } from '@/lib/notifications/notification-kind';
import { changeOwnPassword } from '@/lib/users/change-own-password';
import { updateOwnProfile } from '@/lib/users/update-own-profile';

export const updateProfileAction = formAction(async ({ db, actor, formData }) => {
  await updateOwnProfile({ db, actor, input: formInput(formData, { booleans: [...NOTIFICATION_KINDS] }) });
  revalidatePath('/', 'layout');
  return { status: 'success', message: 'Profile saved.' };
});

export const changePasswordAction = formAction(async ({ db, actor, formData }) => {
  const session = await auth();
  const address = (await headers()).get(CLIENT_ADDRESS_HEADER) ?? 'unknown';
  await changeOwnPassword({ db, actor, sessionId: session?.sessionId ?? '', address, input: formInput(formData) });
  return { status: 'success', message: 'Password changed. You stay signed in here; every other session was signed out.' };
});
