'use server';

import { redirect } from 'next/navigation';
import { formAction, formInput } from '@/app/_server/form-action';
import { signIn } from '@/app/_server/auth';
import { setupFirstAdmin } from '@/lib/users/setup-first-admin';

export const setupAction = formAction(async ({ db, formData }) => {
  const input = formInput(formData);
  await setupFirstAdmin({ db, input });
  await signIn('credentials', { email: input.email, password: input.password, redirect: false });
  redirect('/admin/projects');
});
