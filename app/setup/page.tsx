import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ActionForm, SubmitButton, TextField } from '@/app/_components/form';
import { CenteredCard } from '@/app/_components/centered-card';
import { getDb } from '@/db/client';
import { PASSWORD_RULE } from '@/lib/users/password';
import { hasAnyUser } from '@/lib/users/has-any-user';
import { setupAction } from './actions';

export const metadata: Metadata = { title: 'Set up' };

export default async function SetupPage() {
  if (await hasAnyUser(await getDb())) notFound();
  return (
    <CenteredCard
      title="Welcome to Intake"
      intro="Create the first system admin. This account registers OAuth 2.0 integrations, creates projects and invites the team."
    >
      <ActionForm action={setupAction}>
        <TextField name="name" label="Your name" autoComplete="name" required />
        <TextField name="email" label="Email" type="email" autoComplete="email" required />
        <TextField name="password" label="Password" type="password" autoComplete="new-password" hint={PASSWORD_RULE} required />
        <SubmitButton pendingLabel="Creating…">Create system admin</SubmitButton>
      </ActionForm>
    </CenteredCard>
  );
}
