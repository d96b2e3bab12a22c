import type { Metadata } from 'next';
import { ActionForm, SelectField, SubmitButton, TextAreaField, TextField } from '@/app/_components/form';
import { NotificationsOffNotice } from '@/app/_components/notifications-off-notice';
import { Card } from '@/app/_components/page-header';
import { loadProjectForPage } from '@/app/_server/project-page';
import { notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { updateNotificationSettingsAction, updateProjectAction } from './actions';

export const metadata: Metadata = { title: 'Project settings' };

export default async function ProjectDetailsPage({ params }: { params: Promise<{ key: string }> }) {
  const { project, denied, actor, db } = await loadProjectForPage((await params).key, 'admin');
  if (denied) return null;
  const on = await notificationsAreOn(db);
  return (
    <>
      <Card title="Details">
        <ActionForm action={updateProjectAction}>
          <input type="hidden" name="projectId" value={project.id} />
          <TextField name="key" label="Key" defaultValue={project.key} readOnly hint="The key prefixes every request (such as SD-12) and cannot change." />
          <TextField name="name" label="Name" defaultValue={project.name} required />
          <TextAreaField name="description" label="Description" defaultValue={project.description} />
          <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
        </ActionForm>
      </Card>
      <Card title="Notifications" description="Who in this project is emailed about new requests. Each person can also turn these emails off on their Profile.">
        {on ? null : <NotificationsOffNotice canSetUp={actor.isSystemAdmin} />}
        <ActionForm action={updateNotificationSettingsAction}>
          <input type="hidden" name="projectId" value={project.id} />
          <SelectField
            name="notifyNewRequests"
            label="Email agents and admins about"
            defaultValue={project.notifyNewRequests}
            options={[
              { value: 'all', label: 'Every new request' },
              { value: 'unassigned', label: 'Only new requests still unassigned' },
            ]}
            hint="Requests from email arrive unassigned; a request an agent creates and assigns within half a minute notifies only its assignee."
          />
          <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
