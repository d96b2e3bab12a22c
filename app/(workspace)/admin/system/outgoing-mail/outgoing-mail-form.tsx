'use client';

import { useState } from 'react';
import { ActionForm, ControlledSelect, ControlledText, type FormServerAction, SubmitButton, TextField } from '@/app/_components/form';

export interface OutgoingMailFormValues {
  host: string;
  port: string;
  security: 'tls' | 'starttls';
  /** `password`, or the id of an OAuth 2.0 integration. */
  authentication: string;
  username: string;
  fromAddress: string;
}

export interface OutgoingMailIntegration {
  id: string;
  name: string;
  mailboxDomains: string[];
  /** The provider's submission server, filled in when the integration is chosen (Google, Microsoft). */
  smtp: { host: string; port: number } | null;
}

/** Port 465 is implicit TLS, 587 STARTTLS: the providers' servers take one each. */
const securityOfPort = (port: number): 'tls' | 'starttls' => (port === 465 ? 'tls' : 'starttls');

export function OutgoingMailForm({
  action,
  initial,
  stored,
  integrations,
  sendTo,
}: {
  action: FormServerAction;
  initial: OutgoingMailFormValues;
  /** The saved settings, or null before the first save. */
  stored: (OutgoingMailFormValues & { needsReauthorization: boolean }) | null;
  integrations: OutgoingMailIntegration[];
  sendTo: string;
}) {
  const [authentication, setAuthentication] = useState(initial.authentication);
  const [host, setHost] = useState(initial.host);
  const [port, setPort] = useState(initial.port);
  const [security, setSecurity] = useState(initial.security);
  const [username, setUsername] = useState(initial.username);

  const chosen = integrations.find((integration) => integration.id === authentication);
  const usesOAuth = authentication !== 'password';
  // The stored password or grant serves only the server and account it was given for (the server checks this too).
  const reachesStored =
    stored !== null &&
    authentication === stored.authentication &&
    host.trim().toLowerCase() === stored.host.toLowerCase() &&
    port.trim() === stored.port &&
    security === stored.security &&
    username.trim().toLowerCase() === stored.username.toLowerCase();
  const needsAuthorization = usesOAuth && (!reachesStored || stored.needsReauthorization);

  const chooseAuthentication = (value: string) => {
    setAuthentication(value);
    const preset = integrations.find((integration) => integration.id === value)?.smtp;
    if (preset) {
      setHost(preset.host);
      setPort(String(preset.port));
      setSecurity(securityOfPort(preset.port));
    }
  };

  return (
    <ActionForm action={action}>
      <ControlledSelect
        name="authentication"
        label="Authentication method"
        value={authentication}
        onChange={chooseAuthentication}
        options={[
          { value: 'password', label: 'Password' },
          ...integrations.map((integration) => ({ value: integration.id, label: `OAuth 2.0: ${integration.name}` })),
        ]}
        hint={
          integrations.length === 0
            ? 'To send through Google or Microsoft 365 with OAuth 2.0, add an integration under Administration › System › OAuth 2.0 first.'
            : 'With OAuth 2.0 the account below signs in at the provider (SASL XOAUTH2); no password is stored.'
        }
      />
      <div className="grid grid-cols-[1fr_8rem] gap-4">
        <ControlledText name="host" label="SMTP host" value={host} onChange={setHost} />
        <ControlledText name="port" label="Port" type="number" value={port} onChange={setPort} />
      </div>
      <ControlledSelect
        name="security"
        label="Security"
        value={security}
        onChange={(value) => setSecurity(value as 'tls' | 'starttls')}
        options={[
          { value: 'tls', label: 'TLS (usually port 465)' },
          { value: 'starttls', label: 'STARTTLS (usually port 587)' },
        ]}
      />
      <ControlledText
        name="username"
        label="Username"
        type={usesOAuth ? 'email' : 'text'}
        value={username}
        onChange={setUsername}
        hint={chosen ? `The account that signs in at the provider and sends; it must be at ${chosen.mailboxDomains.join(', ')}.` : undefined}
      />
      {usesOAuth ? null : (
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={
            stored?.authentication === 'password'
              ? 'Leave empty to keep the stored password. Changing the host, port, security or username needs the password again.'
              : undefined
          }
        />
      )}
      <TextField
        name="fromAddress"
        label="From address"
        type="email"
        defaultValue={initial.fromAddress}
        placeholder="intake@example.com"
        hint="Alerts and notifications are sent from this address; the server must allow it for the username."
        required
      />
      <div className="flex flex-wrap items-end gap-3">
        <SubmitButton name="intent" value="save" pendingLabel={needsAuthorization ? 'Opening the provider…' : 'Signing in and saving…'}>
          {needsAuthorization ? 'Save and authorize' : stored ? 'Update' : 'Save'}
        </SubmitButton>
      </div>
      <div className="space-y-3 border-t border-slate-200 pt-4">
        <TextField
          name="sendTo"
          label="Send the test email to"
          type="email"
          defaultValue={sendTo}
          hint={usesOAuth ? 'Uses the settings above with the stored authorization: authorize first.' : 'Uses the settings above, saved or not.'}
        />
        <SubmitButton name="intent" value="test" variant="secondary" pendingLabel="Sending…">
          Send test email
        </SubmitButton>
      </div>
    </ActionForm>
  );
}
