import type { Metadata } from 'next';
import { ActionForm, SelectField, SubmitButton, TextField } from '@/app/_components/form';
import { Cell, DataTable } from '@/app/_components/data-table';
import { Card } from '@/app/_components/page-header';
import { loadProjectForPage } from '@/app/_server/project-page';
import { listProjectMembers } from '@/lib/projects/list-project-members';
import { removeProjectMemberAction, setProjectMemberAction } from '../actions';
import { InlineAction } from '@/app/_components/inline-action';

export const metadata: Metadata = { title: 'People' };

const ROLE_OPTIONS = [
  { value: 'agent', label: 'Agent' },
  { value: 'admin', label: 'Project admin' },
];

export default async function ProjectPeoplePage({ params }: { params: Promise<{ key: string }> }) {
  const { project, denied, db, actor } = await loadProjectForPage((await params).key, 'admin');
  if (denied) return null;
  const members = await listProjectMembers({ db, actor, projectId: project.id });
  return (
    <>
      <Card title="People" description="Agents work the queue; project admins also manage settings and people.">
        {members.length === 0 ? (
          <p className="text-sm text-slate-600">Nobody is in this project yet. Add an agent below.</p>
        ) : (
          <DataTable
            columns={[
              'Name',
              'Email',
              'Role',
              <span key="actions" className="sr-only">
                Actions
              </span>,
            ]}
          >
            {members.map((member) => (
              <tr key={member.userId}>
                <Cell>
                  {member.name}
                  {member.active ? '' : ' (deactivated)'}
                </Cell>
                <Cell className="text-slate-600">{member.email}</Cell>
                <Cell>{member.role === 'admin' ? 'Project admin' : 'Agent'}</Cell>
                <Cell className="text-right">
                  <InlineAction
                    action={removeProjectMemberAction}
                    fields={{ projectId: project.id, userId: member.userId }}
                    label="Remove"
                    pendingLabel="Removing…"
                  />
                </Cell>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      <Card title="Add or change a person" description="Use the email of an existing Intake user. Adding someone already in the project changes their role.">
        <ActionForm action={setProjectMemberAction} resetOnSuccess>
          <input type="hidden" name="projectId" value={project.id} />
          <TextField name="email" label="Email" type="email" required />
          <SelectField name="role" label="Role" options={ROLE_OPTIONS} defaultValue="agent" />
          <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
