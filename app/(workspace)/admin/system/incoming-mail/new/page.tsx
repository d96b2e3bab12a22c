import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { MailboxForm } from '@/app/_components/mailbox-form';
import { AuthorizationOutcome } from '@/app/_components/mailbox-status-panel';
import { Card } from '@/app/_components/page-header';
import { saveMailboxAction } from '@/app/(workspace)/mailbox-actions';
import { draftFormValues, integrationChoices } from '@/app/_server/mailbox-form-data';
import { projectOptions } from '@/app/_server/project-options';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { getAuthorizationOutcome } from '@/lib/oauth/get-authorization-outcome';

export const metadata: Metadata = { title: 'Add incoming mail server' };

export default async function NewMailServerPage({ searchParams }: { searchParams: Promise<{ authorization?: string }> }) {
  const actor = await requireSystemAdminPage();
  const db = await getDb();
  const { authorization } = await searchParams;
  const [integrations, projects, outcome] = await Promise.all([
    integrationChoices(db, actor),
    projectOptions(db, actor),
    authorization ? getAuthorizationOutcome({ db, actor, authorizationId: authorization }) : null,
  ]);
  if (outcome?.mailboxId) redirect(`/admin/system/incoming-mail/${outcome.mailboxId}?authorization=${authorization}`);
  const refused = draftFormValues(outcome?.draft);
  return (
    <>
      <AuthorizationOutcome outcome={outcome} />
      <Card title="Add incoming mail server">
        {projects.length === 0 ? (
          <p className="text-sm text-slate-600">Create a project first: the mail handler files mail into a project.</p>
        ) : (
          <MailboxForm
            action={saveMailboxAction}
            scope="server"
            returnTo="/admin/system/incoming-mail/new"
            initial={refused?.values ?? null}
            integrations={integrations}
            handler={refused?.handler ?? null}
            projects={projects}
          />
        )}
      </Card>
    </>
  );
}
