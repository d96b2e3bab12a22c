import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ActionForm, SubmitButton } from '@/app/_components/form';
import { Card } from '@/app/_components/page-header';
import { providerViews } from '@/app/_server/integration-views';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { getEnv } from '@/lib/env';
import { NotFoundError } from '@/lib/errors';
import { getIntegration } from '@/lib/oauth/get-integration';
import { redirectUrlFor } from '@/lib/oauth/redirect-url';
import { deleteIntegrationAction, testIntegrationAction, updateIntegrationAction } from '../actions';
import { IntegrationForm } from '../integration-form';

export const metadata: Metadata = { title: 'OAuth 2.0 integration' };

export default async function EditIntegrationPage({
  params,
  searchParams,
}: {
  params: Promise<{ integrationId: string }>;
  searchParams: Promise<{ saved?: string }>;
}) {
  const actor = await requireSystemAdminPage();
  const { integrationId } = await params;
  const { saved } = await searchParams;
  const integration = await getIntegration({ db: await getDb(), actor, integrationId }).catch((error) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return (
    <>
      <p className="text-sm">
        <Link href="/admin/system/oauth" className="text-brand-700 hover:underline">
          ← All integrations
        </Link>
      </p>
      {saved ? (
        <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">
          Integration saved. Use Test connection to check the client with the provider.
        </p>
      ) : null}
      <Card title="Test connection" description="Checks that the provider is reachable and recognises the client ID and secret, without touching any mailbox.">
        {integration.lastTestedAt ? (
          <p className="text-sm text-slate-600">
            Last test {integration.lastTestedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC: {integration.lastTestOk ? 'passed' : 'failed'}.
          </p>
        ) : null}
        <ActionForm action={testIntegrationAction}>
          <input type="hidden" name="integrationId" value={integration.id} />
          <SubmitButton variant="secondary" pendingLabel="Testing…">
            Test connection
          </SubmitButton>
        </ActionForm>
      </Card>
      <Card title={integration.name}>
        <IntegrationForm
          action={updateIntegrationAction}
          integrationId={integration.id}
          redirectUrl={redirectUrlFor(getEnv().APP_URL, integration.id)}
          providers={providerViews()}
          initial={{
            provider: integration.provider,
            name: integration.name,
            authorizationEndpoint: integration.provider === 'custom' ? integration.authorizationEndpoint : '',
            tokenEndpoint: integration.provider === 'custom' ? integration.tokenEndpoint : '',
            issuer: integration.issuer ?? '',
            userinfoEndpoint: integration.userinfoEndpoint ?? '',
            clientId: integration.clientId,
            scopes: integration.scopes,
            mailboxDomains: integration.mailboxDomains,
            otherMailHosts: integration.otherMailHosts,
            allowedTenants: integration.allowedTenants,
          }}
          hasSecret
          submitLabel="Save"
        />
      </Card>
      <Card title="Delete integration" description="Mailboxes that use this integration must be switched or removed first.">
        <ActionForm action={deleteIntegrationAction}>
          <input type="hidden" name="integrationId" value={integration.id} />
          <SubmitButton variant="danger" pendingLabel="Deleting…">
            Delete integration
          </SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
