import type { Metadata } from 'next';
import Link from 'next/link';
import { Cell, DataTable } from '@/app/_components/data-table';
import { buttonClass } from '@/app/_components/styles';
import { Card, EmptyState } from '@/app/_components/page-header';
import { Warnings } from '@/app/_components/warnings';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { getEnv } from '@/lib/env';
import { listIntegrations } from '@/lib/oauth/list-integrations';
import { PROVIDER_PRESETS } from '@/lib/oauth/providers';
import { redirectWarnings } from '@/lib/oauth/redirect-url';

export const metadata: Metadata = { title: 'OAuth 2.0' };

function testStatus(integration: { lastTestOk: boolean | null; lastTestedAt: Date | null; lastTestMessage: string | null }) {
  if (integration.lastTestOk === null) return <span className="text-slate-500">Not tested</span>;
  if (integration.lastTestOk) return <span className="text-green-700">Connection works</span>;
  return <span className="text-red-700">Test failed: {integration.lastTestMessage}</span>;
}

export default async function OAuthIntegrationsPage({ searchParams }: { searchParams: Promise<{ deleted?: string }> }) {
  const actor = await requireSystemAdminPage();
  const integrations = await listIntegrations({ db: await getDb(), actor });
  const { deleted } = await searchParams;
  const appUrl = getEnv().APP_URL;
  const generalWarnings = redirectWarnings(appUrl, 'custom');
  return (
    <Card
      title="OAuth 2.0 integrations"
      description="Each integration is a client registered at Google, Microsoft or another OAuth 2.0 provider. Project admins authorize their mailboxes through it."
    >
      {deleted ? (
        <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">
          Integration deleted.
        </p>
      ) : null}
      <Warnings warnings={generalWarnings} />
      <div>
        <Link href="/admin/system/oauth/new" className={buttonClass()}>
          Add new integration
        </Link>
      </div>
      {integrations.length === 0 ? (
        <EmptyState title="No integrations yet">Add one for each provider whose mailboxes Intake should read.</EmptyState>
      ) : (
        <DataTable columns={['Name', 'Service provider', 'Mailbox domains', 'Mailboxes', 'Status', 'Warnings']}>
          {integrations.map((integration) => (
            <tr key={integration.id}>
              <Cell>
                <Link href={`/admin/system/oauth/${integration.id}`} className="text-brand-700 hover:underline">
                  {integration.name}
                </Link>
              </Cell>
              <Cell>{PROVIDER_PRESETS[integration.provider].label}</Cell>
              <Cell className="font-mono text-xs">{integration.mailboxDomains.join(', ')}</Cell>
              <Cell>{integration.mailboxesUsing}</Cell>
              <Cell>{testStatus(integration)}</Cell>
              <Cell className="text-amber-800">
                {redirectWarnings(appUrl, integration.provider)
                  .filter((warning) => !generalWarnings.some((general) => general.id === warning.id))
                  .map((warning) => (
                    <p key={warning.id} className="text-xs">
                      {warning.message}
                    </p>
                  ))}
              </Cell>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
