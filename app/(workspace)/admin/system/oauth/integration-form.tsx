'use client';

import { useState } from 'react';
import { CopyField } from '@/app/_components/copy-field';
import { ActionForm, type FormServerAction, SelectField, SubmitButton, TextAreaField, TextField, useFieldState } from '@/app/_components/form';
import { Warnings } from '@/app/_components/warnings';
import type { ProviderKind } from '@/lib/oauth/providers';

export interface ProviderView {
  label: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  defaultScopes: string[];
  mailHosts: string[] | null;
  warnings: { id: string; message: string }[];
}

export interface IntegrationFormValues {
  provider: ProviderKind;
  name: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  issuer: string;
  userinfoEndpoint: string;
  clientId: string;
  scopes: string[];
  mailboxDomains: string[];
  otherMailHosts: string[];
  allowedTenants: string[];
}

const REGISTRATION_STEPS: Record<ProviderKind, string[]> = {
  google: [
    'In the Google Cloud console, open APIs & Services › Credentials and choose Create credentials › OAuth client ID, type “Web application”.',
    'Under Authorized redirect URIs, add the Redirect URL shown here.',
    'On the OAuth consent screen, add the scopes listed below, then publish the app (see the warning about “Testing”).',
    'Copy the client ID and client secret into this form.',
  ],
  microsoft: [
    'In the Azure portal, open Microsoft Entra ID › App registrations › New registration.',
    'Under Authentication, add the Web platform with the Redirect URL shown here.',
    'Under API permissions, add Office 365 Exchange Online › IMAP.AccessAsUser.All and POP.AccessAsUser.All, and Microsoft Graph › offline_access, openid, email and profile; grant admin consent.',
    'Under Certificates & secrets, create a client secret and note when it expires; copy its value and the Application (client) ID into this form.',
  ],
  custom: [
    'At your authorization server, register a confidential client that uses the authorization code grant with PKCE and issues refresh tokens.',
    'Register the Redirect URL shown here as the client’s redirect URI.',
    'Enter the issuer (Intake discovers the other endpoints) or the endpoints themselves, and the client ID and secret.',
  ],
};

function ReadOnlyEndpoint({ label, value }: { label: string; value: string }) {
  return <TextField name={`${label}-display`} label={label} defaultValue={value} readOnly />;
}

function ScopesField({ provider, providers, initial }: { provider: ProviderKind; providers: Record<ProviderKind, ProviderView>; initial: string[] | null }) {
  const { submitted } = useFieldState('scopes');
  // A new provider choice brings its recommended scopes; saved scopes stay when editing.
  const value = submitted ?? (initial ?? providers[provider].defaultScopes).join('\n');
  return (
    <TextAreaField
      key={`${provider}-${submitted === undefined ? 'initial' : 'submitted'}`}
      name="scopes"
      label="Scopes"
      rows={5}
      defaultValue={value}
      hint="One per line. The recommended scopes are filled in; openid and email let Intake check which mailbox signed in."
    />
  );
}

export function IntegrationForm({
  action,
  integrationId,
  redirectUrl,
  providers,
  initial,
  hasSecret,
  submitLabel,
}: {
  action: FormServerAction;
  integrationId: string;
  redirectUrl: string;
  providers: Record<ProviderKind, ProviderView>;
  initial: IntegrationFormValues | null;
  hasSecret: boolean;
  submitLabel: string;
}) {
  const [provider, setProvider] = useState<ProviderKind>(initial?.provider ?? 'google');
  const view = providers[provider];
  const scopesBelongToProvider = initial !== null && initial.provider === provider;
  return (
    <ActionForm action={action} className="max-w-2xl space-y-5">
      <input type="hidden" name="integrationId" value={integrationId} />
      <SelectField
        name="provider"
        label="Service provider"
        defaultValue={provider}
        options={(Object.keys(providers) as ProviderKind[]).map((kind) => ({ value: kind, label: providers[kind].label }))}
        onChange={(value) => setProvider(value as ProviderKind)}
      />
      <TextField name="name" label="Name" defaultValue={initial?.name} placeholder={`${view.label} mailboxes`} required />
      <CopyField label="Redirect URL" value={redirectUrl} hint="Register exactly this address at the provider." />
      <div className="rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm">
        <p className="font-medium">Register Intake at {view.label === 'Custom' ? 'your provider' : view.label}</p>
        <ol className="mt-2 list-decimal space-y-1 pl-5 text-slate-700">
          {REGISTRATION_STEPS[provider].map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
      </div>
      <Warnings warnings={view.warnings} />
      {provider === 'custom' ? (
        <>
          <TextField
            name="issuer"
            label="Issuer"
            type="url"
            defaultValue={initial?.issuer}
            hint="With an issuer, OpenID Connect discovery fills in the endpoints left empty."
          />
          <TextField name="authorizationEndpoint" label="Authorization endpoint" type="url" defaultValue={initial?.authorizationEndpoint} />
          <TextField name="tokenEndpoint" label="Token endpoint" type="url" defaultValue={initial?.tokenEndpoint} />
          <TextField
            name="userinfoEndpoint"
            label="Userinfo endpoint"
            type="url"
            defaultValue={initial?.userinfoEndpoint}
            hint="Optional; used when the ID token carries no email."
          />
        </>
      ) : (
        <>
          <ReadOnlyEndpoint label="Authorization endpoint" value={view.authorizationEndpoint ?? ''} />
          <ReadOnlyEndpoint label="Token endpoint" value={view.tokenEndpoint ?? ''} />
        </>
      )}
      <TextField name="clientId" label="Client ID" defaultValue={initial?.clientId} autoComplete="off" required />
      <TextField
        name="clientSecret"
        label="Client secret"
        type="password"
        autoComplete="new-password"
        hint={hasSecret ? 'A client secret is stored and never shown. Leave empty to keep it, or type a new one.' : 'Stored encrypted; never shown again.'}
        required={!hasSecret}
      />
      <ScopesField provider={provider} providers={providers} initial={scopesBelongToProvider ? initial.scopes : null} />
      <TextAreaField
        name="mailboxDomains"
        label="Mailbox domains"
        rows={2}
        defaultValue={initial?.mailboxDomains.join('\n')}
        hint="Only mailboxes at these domains can be authorized through this integration, such as acme.com. One per line; no wildcards."
      />
      {view.mailHosts ? (
        <TextAreaField
          name="otherMailHosts"
          label="Other mail hosts"
          rows={2}
          defaultValue={initial?.otherMailHosts.join('\n')}
          hint={`Tokens from this integration go only to ${view.label}’s mail servers (${view.mailHosts.join(', ')}). Add a host here only if your mailboxes are read or sent through another server you trust with them, such as a relay. One per line.`}
        />
      ) : null}
      {provider === 'microsoft' ? (
        <TextAreaField
          name="allowedTenants"
          label="Allowed tenants"
          rows={2}
          defaultValue={initial?.allowedTenants.join('\n')}
          hint="Tenant IDs (Microsoft Entra › Overview › Tenant ID) whose accounts may authorize mailboxes. Leave empty to allow any tenant, as long as the account’s sign-in name is at one of the mailbox domains. One per line."
        />
      ) : null}
      <SubmitButton pendingLabel="Saving…">{submitLabel}</SubmitButton>
    </ActionForm>
  );
}
