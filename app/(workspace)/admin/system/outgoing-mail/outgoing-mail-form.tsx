'use client';

import { ActionForm, type FormServerAction, SelectField, SubmitButton, TextField } from '@/app/_components/form';

export interface OutgoingMailFormValues {
  host: string;
  port: string;
  security: 'tls' | 'starttls';
  username: string;
  fromAddress: string;
}

export function OutgoingMailForm({
  action,
  initial,
  hasPassword,
  sendTo,
}: {
  action: FormServerAction;
  initial: OutgoingMailFormValues;
  hasPassword: boolean;
  sendTo: string;
}) {
  return (
    <ActionForm action={action}>
      <div className="grid grid-cols-[1fr_8rem] gap-4">
        <TextField name="host" label="SMTP host" defaultValue={initial.host} placeholder="smtp.example.com" required />
        <TextField name="port" label="Port" type="number" defaultValue={initial.port} required />
      </div>
      <SelectField
        name="security"
        label="Security"
        defaultValue={initial.security}
        options={[
          { value: 'tls', label: 'TLS (usually port 465)' },
          { value: 'starttls', label: 'STARTTLS (usually port 587)' },
        ]}
      />
      <TextField name="username" label="Username" defaultValue={initial.username} autoComplete="off" required />
      <TextField
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        hint={hasPassword ? 'Leave empty to keep the stored password. Changing the host, port, security or username needs the password again.' : undefined}
      />
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
        <SubmitButton name="intent" value="save" pendingLabel="Signing in and saving…">
          {hasPassword ? 'Update' : 'Save'}
        </SubmitButton>
      </div>
      <div className="space-y-3 border-t border-slate-200 pt-4">
        <TextField name="sendTo" label="Send the test email to" type="email" defaultValue={sendTo} hint="Uses the settings above, saved or not." />
        <SubmitButton name="intent" value="test" variant="secondary" pendingLabel="Sending…">
          Send test email
        </SubmitButton>
      </div>
    </ActionForm>
  );
}
