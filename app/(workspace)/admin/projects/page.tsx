import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionForm, SubmitButton, TextAreaField, TextField } from '@/app/_components/form';
import { Cell, DataTable } from '@/app/_components/data-table';
import { Card, PageHeader } from '@/app/_components/page-header';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { listProjects } from '@/lib/projects/list-projects';
import { createProjectAction } from './actions';

export const metadata: Metadata = { title: 'Projects · Administration' };

export default async function AdminProjectsPage() {
  const actor = await requireSystemAdminPage();
  const projects = await listProjects({ db: await getDb(), actor });
  return (
    <>
      <PageHeader title="Projects" description="Create service-desk projects and choose who works in them." />
      <div className="space-y-6">
        {projects.length > 0 ? (
          <Card>
            <DataTable columns={['Key', 'Name', 'Settings']}>
              {projects.map((project) => (
                <tr key={project.id}>
                  <Cell className="font-mono">{project.key}</Cell>
                  <Cell>
                    <Link href={`/projects/${project.key}`} className="text-brand-700 hover:underline">
                      {project.name}
                    </Link>
                  </Cell>
                  <Cell className="space-x-3">
                    <Link href={`/projects/${project.key}/settings`} className="text-brand-700 hover:underline">
                      Details
                    </Link>
                    <Link href={`/projects/${project.key}/settings/people`} className="text-brand-700 hover:underline">
                      People
                    </Link>
                  </Cell>
                </tr>
              ))}
            </DataTable>
          </Card>
        ) : null}
        <Card title="Create project">
          <ActionForm action={createProjectAction} className="max-w-md space-y-5" resetOnSuccess>
            <TextField name="name" label="Name" placeholder="Customer support" required />
            <TextField
              name="key"
              label="Key"
              placeholder="SD"
              hint="2 to 10 capital letters. Requests are numbered SD-1, SD-2, … The key cannot change later."
              required
            />
            <TextAreaField name="description" label="Description" />
            <SubmitButton pendingLabel="Creating…">Create project</SubmitButton>
          </ActionForm>
        </Card>
      </div>
    </>
  );
}
