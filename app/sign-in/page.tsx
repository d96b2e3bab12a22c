import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { ActionForm, SubmitButton, TextField } from '@/app/_components/form';
import { CenteredCard } from '@/app/_components/centered-card';
import { getActor } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { hasAnyUser } from '@/lib/users/has-any-user';
import { signInAction } from './actions';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (!(await hasAnyUser(await getDb()))) redirect('/setup');
  if (await getActor()) redirect('/projects');
  const { next } = await searchParams;
  return (
    <CenteredCard title="Sign in">
      <ActionForm action={signInAction}>
        <input type="hidden" name="next" value={next ?? ''} />
        <TextField name="email" label="Email" type="email" autoComplete="username" required />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" required />
        <SubmitButton pendingLabel="Signing in…">Sign in</SubmitButton>
      </ActionForm>
    </CenteredCard>
  );
}
