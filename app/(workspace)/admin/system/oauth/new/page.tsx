import { randomUUID } from 'node:crypto';
import type { Metadata } from 'next';
import { Card } from '@/app/_components/page-header';
import { providerViews } from '@/app/_server/integration-views';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getEnv } from '@/lib/env';
import { redirectUrlFor } from '@/lib/oauth/redirect-url';
import { createIntegrationAction } from '../actions';
import { IntegrationForm } from '../integration-form';

export const metadata: Metadata = { title: 'Add new integration' };

export default async function NewIntegrationPage() {
  await requireSystemAdminPage();
  // The id is chosen now so the redirect URL can be registered at the provider before saving.
  const integrationId = randomUUID();
  return (
    <Card title="Add new integration">
      <IntegrationForm
        action={createIntegrationAction}
        integrationId={integrationId}
        redirectUrl={redirectUrlFor(getEnv().APP_URL, integrationId)}
        providers={providerViews()}
        initial={null}
        hasSecret={false}
        submitLabel="Save"
      />
    </Card>
  );
}
