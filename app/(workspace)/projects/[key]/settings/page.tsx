import type { Metadata } from 'next';
import { ActionForm, SubmitButton, TextAreaField, TextField } from '@/app/_components/form';
import { Card } from '@/app/_components/page-header';
import { loadProjectForPage } from '@/app/_server/project-page';
import { updateProjectAction } from './actions';

export const metadata: Metadata = { title: 'Project settings' };

export default async function ProjectDetailsPage({ params }: { params: Promise<{ key: string }> }) {
  const { project, denied } = await loadProjectForPage((await params).key, 'admin');
  if (denied) return null;
  return (
    <Card title="Details">
      <ActionForm action={updateProjectAction}>
        <input type="hidden" name="projectId" value={project.id} />
        <TextField name="key" label="Key" defaultValue={project.key} readOnly hint="The key prefixes every request (such as SD-12) and cannot change." />
        <TextField name="name" label="Name" defaultValue={project.name} required />
        <TextAreaField name="description" label="Description" defaultValue={project.description} />
        <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
      </ActionForm>
    </Card>
  );
}
