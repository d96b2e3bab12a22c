import type { Metadata } from 'next';
import { ActionForm, SubmitButton, TextAreaField, TextField } from '@/app/_components/form';
import { Card, PageHeader } from '@/app/_components/page-header';
import { createRequestAction } from '@/app/(workspace)/requests/actions';
import { loadProjectForPage } from '@/app/_server/project-page';

export const metadata: Metadata = { title: 'Create request' };

export default async function NewRequestPage({ params }: { params: Promise<{ key: string }> }) {
  const { project } = await loadProjectForPage((await params).key);
  return (
    <>
      <PageHeader title="Create request" description={`${project.key} · ${project.name}`} />
      <Card>
        <ActionForm action={createRequestAction} className="max-w-2xl space-y-5">
          <input type="hidden" name="projectId" value={project.id} />
          <TextField name="summary" label="Summary" required />
          <TextAreaField name="description" label="Description" rows={8} />
          <TextField name="reporterEmail" label="Customer email" type="email" hint="Optional. Replies to the customer go to this address." />
          <TextField name="reporterName" label="Customer name" />
          <SubmitButton pendingLabel="Creating…">Create request</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
