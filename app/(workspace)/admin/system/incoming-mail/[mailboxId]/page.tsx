import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { MailboxForm } from '@/app/_components/mailbox-form';
import { AuthorizationOutcome, MailboxStatusPanel } from '@/app/_components/mailbox-status-panel';
import { Card } from '@/app/_components/page-header';
import { saveMailboxAction } from '@/app/(workspace)/mailbox-actions';
import { integrationChoices, mailboxFormValues, draftFormValues } from '@/app/_server/mailbox-form-data';
import { projectOptions } from '@/app/_server/project-options';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { getMailServer } from '@/lib/mailboxes/list-mailboxes';
import { getAuthorizationOutcome } from '@/lib/oauth/get-authorization-outcome';
import { isUuid } from '@/lib/validation';

export const metadata: Metadata = { title: 'Incoming mail server' };

export default async function MailServerPage({
  params,
  searchParams,
}: {
  params: Promise<{ mailboxId: string }>;
  searchParams: Promise<{ authorization?: string }>;
}) {
  const actor = await requireSystemAdminPage();
  const db = await getDb();
  const { mailboxId } = await params;
  const { authorization } = await searchParams;
  if (!isUuid(mailboxId)) notFound();
  const [server, integrations, projects, outcome] = await Promise.all([
    getMailServer({ db, actor, mailboxId }),
    integrationChoices(db, actor),
    projectOptions(db, actor),
    authorization ? getAuthorizationOutcome({ db, actor, authorizationId: authorization }) : null,
  ]);
  if (!server) notFound();
  const returnTo = `/admin/system/incoming-mail/${server.id}`;
  const refused = draftFormValues(outcome?.draft);
  return (
    <>
      <p className="text-sm">
        <Link href="/admin/system/incoming-mail" className="text-brand-700 hover:underline">
          ← All incoming mail servers
        </Link>
      </p>
      <AuthorizationOutcome outcome={outcome} />
      <Card title={server.name}>
        <MailboxStatusPanel
          mailbox={server}
          returnTo={returnTo}
          removedReturnTo="/admin/system/incoming-mail"
          extra={
            <>
              <dt className="text-slate-500">Mail handler</dt>
              <dd>
                Files mail into {server.projectKey}:{' '}
                {[server.createRequests ? 'creates requests' : null, server.addComments ? 'adds comments' : null].filter(Boolean).join(' and ')}
              </dd>
            </>
          }
        />
        <Link href={`${returnTo}/log`} className="inline-block text-sm text-brand-700 hover:underline">
          Email log →
        </Link>
      </Card>
      <Card title="Settings">
        <MailboxForm
          action={saveMailboxAction}
          scope="server"
          returnTo={returnTo}
          mailboxId={server.id}
          initial={refused?.values ?? mailboxFormValues(server)}
          integrations={integrations}
          handler={
            refused?.handler ?? { name: server.name, projectId: server.projectId, createRequests: server.createRequests, addComments: server.addComments }
          }
          projects={projects}
        />
      </Card>
    </>
  );
}
