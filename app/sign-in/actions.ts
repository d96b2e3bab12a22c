'use server';

import { AuthError } from 'next-auth';
import { formAction, formInput } from '@/app/_server/form-action';
import { signIn } from '@/app/_server/auth';

export const signInAction = formAction(async ({ formData }) => {
  const input = formInput(formData);
  const next = typeof input.next === 'string' && input.next.startsWith('/') && !input.next.startsWith('//') ? input.next : '/projects';
  try {
    await signIn('credentials', { email: input.email, password: input.password, redirectTo: next });
  } catch (error) {
    if (error instanceof AuthError) {
      return { status: 'error', message: 'The email or password is not right, or the account is deactivated.', values: { email: String(input.email ?? '') } };
    }
    throw error;
  }
});
