'use server';

import { revalidatePath } from 'next/cache';
import { formAction, formInput } from '@/app/_server/form-action';
import { createUser } from '@/lib/users/create-user';
import { updateUser } from '@/lib/users/update-user';

export const createUserAction = formAction(async ({ db, actor, formData }) => {
  const user = await createUser({ db, actor, input: formInput(formData, { booleans: ['isSystemAdmin'] }) });
  revalidatePath('/admin/users');
  return { status: 'success', message: `${user.email} can now sign in.` };
});

export const updateUserAction = formAction(async ({ db, actor, formData }) => {
  await updateUser({ db, actor, input: formInput(formData, { booleans: ['isSystemAdmin', 'active'] }) });
  revalidatePath('/admin/users', 'layout');
  return { status: 'success', message: 'User saved.' };
});
