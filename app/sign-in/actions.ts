'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { formAction, formInput } from '@/app/_server/form-action';
import { signIn } from '@/app/_server/auth';
import { getEnv } from '@/lib/env';
import { pathOnApp } from '@/lib/net/path-on-app';

export const signInAction = formAction(async ({ formData }) => {
  const input = formInput(formData);
  const target = pathOnApp(input.next, getEnv().APP_URL);
  const next = target ? `${target.pathname}${target.search}` : '/projects';
  try {
    await signIn('credentials', { email: input.email, password: input.password, redirectTo: next });
  } catch (error) {
    if (error instanceof AuthError) {
      const throttled = error instanceof CredentialsSignin && /^throttled:(\d+)$/.exec(error.code);
      const message = throttled
        ? `Too many failed sign-ins. Try again in ${throttled[1]} minute${throttled[1] === '1' ? '' : 's'}.`
        : 'The email or password is not right, or the account is deactivated.';
      return { status: 'error', message, values: { email: String(input.email ?? '') } };
    }
    throw error;
  }
});
