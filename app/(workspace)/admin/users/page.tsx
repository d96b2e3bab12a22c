import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionForm, CheckboxField, SubmitButton, TextField } from '@/app/_components/form';
import { Cell, DataTable } from '@/app/_components/data-table';
import { Card, PageHeader } from '@/app/_components/page-header';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { listUsers } from '@/lib/users/list-users';
import { PASSWORD_RULE } from '@/lib/users/password';
import { createUserAction } from './actions';

export const metadata: Metadata = { title: 'Users' };

export default async function UsersPage() {
  const actor = await requireSystemAdminPage();
  const users = await listUsers({ db: await getDb(), actor });
  return (
    <>
      <PageHeader title="Users" description="Everyone who can sign in to Intake. Add them to projects from each project’s People settings." />
      <div className="space-y-6">
        <Card>
          <DataTable columns={['Name', 'Email', 'Role', 'Status', 'Last sign-in']}>
            {users.map((user) => (
              <tr key={user.id}>
                <Cell>
                  <Link href={`/admin/users/${user.id}`} className="text-brand-700 hover:underline">
                    {user.name}
                  </Link>
                </Cell>
                <Cell className="text-slate-600">{user.email}</Cell>
                <Cell>{user.isSystemAdmin ? 'System admin' : 'User'}</Cell>
                <Cell>{user.active ? 'Active' : 'Deactivated'}</Cell>
                <Cell className="text-slate-600">{user.lastSignInAt ? `${user.lastSignInAt.toISOString().replace('T', ' ').slice(0, 16)} UTC` : 'Never'}</Cell>
              </tr>
            ))}
          </DataTable>
        </Card>
        <Card title="Create user">
          <ActionForm action={createUserAction} className="max-w-md space-y-5" resetOnSuccess>
            <TextField name="name" label="Name" required />
            <TextField name="email" label="Email" type="email" required />
            <TextField name="password" label="Password" type="password" autoComplete="new-password" hint={PASSWORD_RULE} required />
            <CheckboxField name="isSystemAdmin" label="System admin" hint="System admins manage users, projects, integrations and mail servers." />
            <SubmitButton pendingLabel="Creating…">Create user</SubmitButton>
          </ActionForm>
        </Card>
      </div>
    </>
  );
}
