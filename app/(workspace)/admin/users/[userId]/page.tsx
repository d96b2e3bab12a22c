import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ActionForm, CheckboxField, SubmitButton, TextField } from '@/app/_components/form';
import { Card, PageHeader } from '@/app/_components/page-header';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { NotFoundError } from '@/lib/errors';
import { getUser } from '@/lib/users/get-user';
import { PASSWORD_RULE } from '@/lib/users/password';
import { updateUserAction } from '../actions';

export const metadata: Metadata = { title: 'Edit user' };

export default async function EditUserPage({ params }: { params: Promise<{ userId: string }> }) {
  const actor = await requireSystemAdminPage();
  const { userId } = await params;
  const user = await getUser({ db: await getDb(), actor, userId }).catch((error) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return (
    <>
      <PageHeader
        title={user.name}
        description={
          <Link href="/admin/users" className="text-brand-700 hover:underline">
            ← All users
          </Link>
        }
      />
      <Card>
        <ActionForm action={updateUserAction} className="max-w-md space-y-5">
          <input type="hidden" name="userId" value={user.id} />
          <TextField name="email" label="Email" defaultValue={user.email} readOnly />
          <TextField name="name" label="Name" defaultValue={user.name} required />
          <CheckboxField name="isSystemAdmin" label="System admin" defaultChecked={user.isSystemAdmin} />
          <CheckboxField
            name="active"
            label="Active"
            defaultChecked={user.active}
            hint="Deactivating signs the user out everywhere at once and stops them signing in."
          />
          <TextField
            name="password"
            label="New password"
            type="password"
            autoComplete="new-password"
            hint={`Leave empty to keep the current password. ${PASSWORD_RULE}`}
          />
          <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
