import type { Metadata } from 'next';
import Link from 'next/link';
import { ActionForm, CheckboxField, SelectField, SubmitButton, TextAreaField } from '@/app/_components/form';
import { MailboxForm } from '@/app/_components/mailbox-form';
import { SenderRules } from '@/app/_components/sender-rules';
import { listSenderRules } from '@/lib/ingest/sender-rules';
import { updateEmailSettingsAction } from '../actions';
import { AuthorizationOutcome, MailboxStatusPanel } from '@/app/_components/mailbox-status-panel';
import { Card } from '@/app/_components/page-header';
import { saveMailboxAction } from '@/app/(workspace)/mailbox-actions';
import { draftFormValues, integrationChoices, mailboxFormValues } from '@/app/_server/mailbox-form-data';
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
  const [channel, integrations, outcome, rules] = await Promise.all([
    getProjectChannel({ db, actor, projectId: project.id }),
    integrationChoices(db, actor),
    authorization ? getAuthorizationOutcome({ db, actor, authorizationId: authorization }) : null,
    listSenderRules({ db, actor, projectId: project.id }),
  ]);
  const returnTo = `/projects/${project.key}/settings/email`;
  return (
    <>
      <AuthorizationOutcome outcome={outcome} />
      {removed ? (
        <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">
          The email channel was removed. Its requests stay in the project.
        </p>
      ) : null}
      {channel ? (
        <Card
          title="Email channel"
          description={`Customers email ${channel.emailAddress}; Intake turns each new email into a request in ${project.key} and each reply into a comment.`}
        >
          <MailboxStatusPanel mailbox={channel} returnTo={returnTo} removedReturnTo={returnTo} />
          <Link href={`${returnTo}/log`} className="inline-block text-sm text-brand-700 hover:underline">
            Email log →
          </Link>
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
          initial={draftFormValues(outcome?.draft)?.values ?? (channel ? mailboxFormValues(channel) : null)}
          integrations={integrations}
        />
      </Card>
      <Card title="Who can email this project">
        <ActionForm action={updateEmailSettingsAction}>
          <input type="hidden" name="projectId" value={project.id} />
          <SelectField
            name="emailAccess"
            label="Requests by email"
            defaultValue={project.emailAccess}
            options={[
              { value: 'open', label: 'Open: anyone can raise a request' },
              { value: 'restricted', label: 'Restricted: only known customers' },
            ]}
          />
          <CheckboxField name="sendConfirmations" label="Confirm new requests to the customer by email" defaultChecked={project.sendConfirmations} />
          <TextAreaField
            name="replySignature"
            label="Reply signature"
            defaultValue={project.replySignature}
            hint="Plain text added below every reply to a customer. {agent.name} becomes the name of the agent who replied, {project.name} the project's name."
          />
          <SubmitButton variant="secondary" pendingLabel="Saving…">
            Save
          </SubmitButton>
        </ActionForm>
      </Card>
      <Card title="Allowlist and blocklist" description="For this project; system admins also keep lists for every project.">
        <SenderRules projectId={project.id} rules={rules} returnTo={returnTo} />
      </Card>
    </>
  );
}
