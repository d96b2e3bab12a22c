import type { Metadata } from 'next';
import { InlineAction } from '@/app/_components/inline-action';
import { AuthorizationOutcome } from '@/app/_components/mailbox-status-panel';
import { NotificationsOffNotice } from '@/app/_components/notifications-off-notice';
import { Card } from '@/app/_components/page-header';
import { formatTime } from '@/app/_components/request-status';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { listIntegrationChoices } from '@/lib/mailboxes/list-mailboxes';
import { PROVIDER_PRESETS } from '@/lib/oauth/providers';
import { getAuthorizationOutcome } from '@/lib/oauth/get-authorization-outcome';
import { getOutgoingMailServer } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import type { OutgoingMailDraft } from '@/lib/outgoing-mail/outgoing-mail-schema';
import { authorizeOutgoingMailAction, outgoingMailAction } from './actions';
import { OutgoingMailForm, type OutgoingMailFormValues } from './outgoing-mail-form';

export const metadata: Metadata = { title: 'Outgoing mail' };

const formValuesOf = (settings: OutgoingMailDraft): OutgoingMailFormValues => ({ ...settings, port: String(settings.port) });

export default async function OutgoingMailPage({ searchParams }: { searchParams: Promise<{ authorization?: string }> }) {
  const actor = await requireSystemAdminPage();
  const db = await getDb();
  const { authorization } = await searchParams;
  const [server, integrations, outcome] = await Promise.all([
    getOutgoingMailServer({ db, actor }),
    listIntegrationChoices({ db, actor }),
    authorization ? getAuthorizationOutcome({ db, actor, authorizationId: authorization }) : null,
  ]);
  const stored = server ? { ...formValuesOf(server), needsReauthorization: server.status === 'needs_reauthorization' } : null;
  // A refused authorization keeps what the form held, so nothing has to be typed again.
  const refused = outcome?.draft ? formValuesOf(outcome.draft as unknown as OutgoingMailDraft) : null;
  return (
    <>
      {server ? null : <NotificationsOffNotice canSetUp />}
      <AuthorizationOutcome outcome={outcome} />
      <Card
        title="Outgoing mail"
        description="The SMTP server Intake sends its own email through: alerts to admins and notifications. Replies to customers go out through each channel's own mailbox."
      >
        {server && server.authentication !== 'password' ? (
          <div className="space-y-3 rounded-md border border-slate-200 px-4 py-3 text-sm" data-testid="outgoing-mail-authorization">
            {server.status === 'needs_reauthorization' ? (
              <p role="alert" className="text-red-800">
                Needs re-authorization: {server.statusMessage ?? 'the provider no longer accepts the sign-in.'} No alert or notification goes out until{' '}
                {server.username} authorizes again.
              </p>
            ) : null}
            <p>
              Signs in to {server.host} as {server.authorizedEmail ?? server.username} with OAuth 2.0 ({server.integrationName ?? 'a deleted integration'})
              {server.authorizedAt ? `, authorized on ${formatTime(server.authorizedAt)}` : ''}.
            </p>
            <InlineAction
              action={authorizeOutgoingMailAction}
              fields={{}}
              label="Authorize"
              pendingLabel="Opening the provider…"
              variant={server.status === 'needs_reauthorization' ? 'primary' : 'secondary'}
            />
          </div>
        ) : null}
        <OutgoingMailForm
          action={outgoingMailAction}
          stored={stored}
          integrations={integrations.map((integration) => ({ ...integration, smtp: PROVIDER_PRESETS[integration.provider].smtp }))}
          sendTo={actor.email}
          initial={refused ?? stored ?? { host: '', port: '587', security: 'starttls', authentication: 'password', username: '', fromAddress: '' }}
        />
      </Card>
    </>
  );
}
