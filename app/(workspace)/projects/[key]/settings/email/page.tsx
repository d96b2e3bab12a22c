import type { Metadata } from 'next';
import { MailboxForm } from '@/app/_components/mailbox-form';
import { AuthorizationOutcome, MailboxStatusPanel } from '@/app/_components/mailbox-status-panel';
import { Card } from '@/app/_components/page-header';
import { saveMailboxAction } from '@/app/(workspace)/mailbox-actions';
import { integrationChoices, mailboxFormValues } from '@/app/_server/mailbox-form-data';
import { loadProjectForPage } from '@/app/_server/project-page';
import { getProjectChannel } from '@/lib/mailboxes/list-mailboxes';
import { getAuthorizationOutcome } from '@/lib/oauth/get-authorization-outcome';

export const metadata: Metadata = { title: 'Email requests' };

export default async function EmailRequestsPage({
  params,
  searchParams,
}: {
  params: Promise<{ key: string }>;
  searchParams: Promise<{ authorization?: string; removed?: string }>;
}) {
  const { project, denied, db, actor } = await loadProjectForPage((await params).key, 'admin');
  if (denied) return null;
  const { authorization, removed } = await searchParams;
  const [channel, integrations, outcome] = await Promise.all([
    getProjectChannel({ db, actor, projectId: project.id }),
    integrationChoices(db, actor),
    authorization ? getAuthorizationOutcome({ db, actor, authorizationId: authorization }) : null,
  ]);
  const returnTo = `/projects/${project.key}/settings/email`;
  return (
    <>
      <AuthorizationOutcome outcome={outcome} />
      {removed ? <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">The email channel was removed. Its requests stay in the project.</p> : null}
      {channel ? (
        <Card title="Email channel" description={`Customers email ${channel.emailAddress}; Intake turns each new email into a request in ${project.key} and each reply into a comment.`}>
          <MailboxStatusPanel mailbox={channel} returnTo={returnTo} removedReturnTo={returnTo} />
        </Card>
      ) : null}
      <Card
        title={channel ? 'Connection settings' : 'Connect a mailbox'}
        description={
          channel
            ? 'Changing the address or the integration sends you to the provider to authorize the new mailbox.'
            : 'Connect the support mailbox customers write to. With OAuth 2.0, you sign in to the mailbox at the provider; Intake never sees its password.'
        }
      >
        <MailboxForm
          action={saveMailboxAction}
          scope={`channel:${project.id}`}
          returnTo={returnTo}
          mailboxId={channel?.id}
          initial={channel ? mailboxFormValues(channel) : null}
          integrations={integrations}
        />
      </Card>
    </>
  );
}
