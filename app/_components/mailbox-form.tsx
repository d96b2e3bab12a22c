'use client';

import { useId, useState } from 'react';
import {
  ActionForm,
  CheckboxField,
  ControlledSelect,
  ControlledText,
  FieldShell,
  type FormServerAction,
  SelectField,
  SubmitButton,
  TextField,
  useFieldState,
} from './form';
import { inputClass } from './styles';

export interface IntegrationChoice {
  id: string;
  name: string;
  provider: 'google' | 'microsoft' | 'custom';
  mailboxDomains: string[];
  imap: { host: string; port: number } | null;
  pop3: { host: string; port: number } | null;
}

export interface MailboxFormValues {
  emailAddress: string;
  access: 'own' | 'shared' | 'alias';
  aliasMailbox: string;
  onlyMailToAlias: boolean;
  authentication: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: 'tls' | 'starttls';
  folder: string;
  afterProcessing: 'mark_read' | 'move' | 'delete' | 'keep';
  moveToFolder: string;
  existingMail: 'new_only' | 'unread' | 'since' | 'all';
  existingMailSince: string;
  username: string;
  smtpHost: string;
  smtpPort: string;
  smtpSecurity: '' | 'tls' | 'starttls';
  sendLimitPerMinute: string;
}

export interface MailServerHandlerValues {
  name: string;
  projectId: string;
  createRequests: boolean;
  addComments: boolean;
}

const AFTER_PROCESSING = {
  imap: [
    { value: 'mark_read', label: 'Mark as read' },
    { value: 'move', label: 'Move to a folder' },
    { value: 'delete', label: 'Delete' },
    { value: 'keep', label: 'Keep as it is' },
  ],
  pop3: [
    { value: 'delete', label: 'Delete from the server' },
    { value: 'keep', label: 'Keep on the server' },
  ],
} as const;

const EXISTING_MAIL = [
  { value: 'new_only', label: 'Only mail that arrives from now on', hint: 'Nothing already in the mailbox becomes a request.', imapOnly: false },
  { value: 'unread', label: 'Unread mail', hint: 'Unread messages already in the folder are imported.', imapOnly: true },
  { value: 'since', label: 'Everything since a date', hint: 'Messages received on or after the day you enter are imported.', imapOnly: true },
  { value: 'all', label: 'Everything', hint: 'Every message already in the mailbox is imported.', imapOnly: false },
] as const;

/** Radio buttons, each with its label and a one-line explanation. */
function RadioChoices<T extends string>({
  name,
  options,
  value,
  onChange,
}: {
  name: string;
  options: readonly { value: T; label: string; hint: string }[];
  value: string;
  onChange: (value: T) => void;
}) {
  const id = useId();
  return options.map((option) => (
    <div key={option.value} className="flex items-start gap-2">
      <input
        id={`${id}-${option.value}`}
        type="radio"
        name={name}
        value={option.value}
        checked={value === option.value}
        onChange={() => onChange(option.value)}
        className="mt-1"
      />
      <label htmlFor={`${id}-${option.value}`} className="text-sm">
        {option.label} <span className="text-slate-500">— {option.hint}</span>
      </label>
    </div>
  ));
}

/**
 * What becomes of the mail already in the mailbox when it is connected. Imported mail becomes
 * requests without confirmations; Test connection shows how many messages there are.
 */
function ExistingMailField({ protocol, initial }: { protocol: 'imap' | 'pop3'; initial: MailboxFormValues | null }) {
  const id = useId();
  const choice = useFieldState('existingMail');
  const since = useFieldState('existingMailSince');
  const [value, setValue] = useState<string>(String(choice.submitted ?? initial?.existingMail ?? 'new_only'));
  const options = EXISTING_MAIL.filter((option) => protocol === 'imap' || !option.imapOnly);
  const chosen = options.some((option) => option.value === value) ? value : 'new_only';
  return (
    <fieldset className="space-y-2" aria-describedby={`${id}-hint`}>
      <legend className="text-sm font-medium text-slate-800">Existing mail</legend>
      <p id={`${id}-hint`} className="text-xs text-slate-500">
        Mail already in the mailbox when you connect it. Imported mail becomes requests without confirmations or any other email; Test connection shows how many
        messages there are.
      </p>
      <RadioChoices name="existingMail" options={options} value={chosen} onChange={setValue} />
      {chosen === 'since' ? (
        <FieldShell id={`${id}-since`} label="Import mail received since" errors={since.errors}>
          <input
            id={`${id}-since`}
            name="existingMailSince"
            type="date"
            defaultValue={String(since.submitted ?? initial?.existingMailSince ?? '')}
            aria-invalid={since.errors.length > 0}
            className={inputClass}
          />
        </FieldShell>
      ) : null}
      {choice.errors.map((error) => (
        <p key={error} className="text-sm text-red-700">
          {error}
        </p>
      ))}
    </fieldset>
  );
}

const MAILBOX_ACCESS = [
  { value: 'own', label: 'A mailbox you sign in to', hint: 'Whoever authorizes signs in as this very address.' },
  {
    value: 'shared',
    label: 'Microsoft 365 shared mailbox',
    hint: 'A member with Full Access signs in; replies are sent as the shared address, which needs Send As.',
  },
  {
    value: 'alias',
    label: 'An alias or group address',
    hint: 'Delivered into another mailbox, which signs in and is read; replies come from the alias (Gmail: “Send mail as”).',
  },
] as const;

/** Whose mailbox is read: the address's own, a shared mailbox a member opens, or the mailbox an alias lands in. */
function MailboxAccessField({
  access,
  onChange,
  aliasMailbox,
  onAliasMailboxChange,
  initial,
  protocol,
}: {
  access: MailboxFormValues['access'];
  onChange: (value: MailboxFormValues['access']) => void;
  aliasMailbox: string;
  onAliasMailboxChange: (value: string) => void;
  initial: MailboxFormValues | null;
  protocol: 'imap' | 'pop3';
}) {
  const { errors } = useFieldState('access');
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-800">Mailbox access</legend>
      <RadioChoices name="access" options={MAILBOX_ACCESS} value={access} onChange={onChange} />
      {access === 'alias' ? (
        <div className="space-y-3 pl-6">
          <ControlledText
            name="aliasMailbox"
            label="Mailbox"
            type="email"
            value={aliasMailbox}
            onChange={onAliasMailboxChange}
            hint="The mailbox the alias is delivered into, such as alice@acme.com: it signs in and is read."
          />
          <CheckboxField
            name="onlyMailToAlias"
            label="File only mail addressed to the alias"
            defaultChecked={initial?.onlyMailToAlias ?? false}
            hint={
              protocol === 'imap'
                ? 'Mail whose To, Cc, Delivered-To or X-Original-To names the alias; the rest stays untouched, so one mailbox can serve several projects’ aliases.'
                : 'Needs IMAP.'
            }
          />
        </div>
      ) : null}
      {errors.map((error) => (
        <p key={error} className="text-sm text-red-700">
          {error}
        </p>
      ))}
    </fieldset>
  );
}

const defaultPort = (protocol: 'imap' | 'pop3', security: 'tls' | 'starttls') =>
  protocol === 'imap' ? (security === 'tls' ? 993 : 143) : security === 'tls' ? 995 : 110;

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0
    ? ''
    : address
        .slice(at + 1)
        .trim()
        .toLowerCase()
        .replace(/\.$/, '');
}

/** A controlled select whose value the form logic needs; still labelled and error-aware. */
/**
 * The connection form shared by project email channels and incoming mail servers. Only
 * integrations whose mailbox domains include the address's domain are offered.
 */
export function MailboxForm({
  action,
  scope,
  returnTo,
  mailboxId,
  initial,
  integrations,
  handler,
  projects,
}: {
  action: FormServerAction;
  scope: string;
  returnTo: string;
  mailboxId?: string;
  initial: MailboxFormValues | null;
  integrations: IntegrationChoice[];
  /** Present for incoming mail servers. */
  handler?: MailServerHandlerValues | null;
  projects?: { value: string; label: string }[];
}) {
  const [emailAddress, setEmailAddress] = useState(initial?.emailAddress ?? '');
  const [access, setAccess] = useState<MailboxFormValues['access']>(initial?.access ?? 'own');
  const [aliasMailbox, setAliasMailbox] = useState(initial?.aliasMailbox ?? '');
  const [authentication, setAuthentication] = useState(initial?.authentication ?? 'password');
  const [protocol, setProtocol] = useState<'imap' | 'pop3'>(initial?.protocol ?? 'imap');
  const [security, setSecurity] = useState<'tls' | 'starttls'>(initial?.security ?? 'tls');
  const [host, setHost] = useState(initial?.host ?? '');
  const [port, setPort] = useState(String(initial?.port ?? 993));
  const [afterProcessing, setAfterProcessing] = useState<string>(initial?.afterProcessing ?? 'mark_read');
  const [username, setUsername] = useState(initial?.username ?? '');
  const [smtpHost, setSmtpHost] = useState(initial?.smtpHost ?? '');
  const [smtpPort, setSmtpPort] = useState(initial?.smtpPort ?? '');

  const domain = domainOf(emailAddress);
  const matching = integrations.filter((integration) => integration.mailboxDomains.includes(domain));
  const chosen = integrations.find((integration) => integration.id === authentication);
  const usesOAuth = authentication !== 'password';
  const isNew = !mailboxId;
  // The stored password or token goes only to the server it was given for (the server checks this too).
  const serverChanged =
    initial !== null &&
    (protocol !== initial.protocol ||
      host.trim().toLowerCase() !== initial.host.toLowerCase() ||
      port !== String(initial.port) ||
      security !== initial.security ||
      (!usesOAuth && username.trim() !== initial.username) ||
      smtpHost.trim().toLowerCase() !== initial.smtpHost.toLowerCase() ||
      smtpPort.trim() !== initial.smtpPort);
  const needsAuthorization =
    usesOAuth &&
    (isNew ||
      authentication !== initial?.authentication ||
      emailAddress.trim().toLowerCase() !== initial.emailAddress.toLowerCase() ||
      access !== initial.access ||
      (access === 'alias' && aliasMailbox.trim().toLowerCase() !== initial.aliasMailbox.toLowerCase()) ||
      serverChanged);

  const applyPreset = (integration: IntegrationChoice | undefined, nextProtocol: 'imap' | 'pop3') => {
    const preset = integration?.[nextProtocol];
    if (preset) {
      setHost(preset.host);
      setPort(String(preset.port));
      setSecurity('tls');
    }
  };
  const chooseAuthentication = (value: string) => {
    setAuthentication(value);
    applyPreset(
      integrations.find((integration) => integration.id === value),
      protocol,
    );
  };
  const chooseProtocol = (value: string) => {
    const next = value as 'imap' | 'pop3';
    setProtocol(next);
    setPort(String(defaultPort(next, security)));
    setAfterProcessing(next === 'imap' ? 'mark_read' : 'delete');
    applyPreset(chosen, next);
  };
  const chooseSecurity = (value: string) => {
    const next = value as 'tls' | 'starttls';
    setSecurity(next);
    setPort(String(defaultPort(protocol, next)));
  };

  const authenticationOptions = [
    ...matching.map((integration) => ({ value: integration.id, label: `OAuth 2.0: ${integration.name}` })),
    // Keep a saved choice visible even if the address changes to another domain; the server re-checks.
    ...(chosen && !matching.includes(chosen) ? [{ value: chosen.id, label: `OAuth 2.0: ${chosen.name} (not for @${domain || '…'})` }] : []),
    { value: 'password', label: 'Password (plain IMAP/POP3 server)' },
  ];

  return (
    <ActionForm action={action} className="max-w-2xl space-y-5">
      <input type="hidden" name="scope" value={scope} />
      <input type="hidden" name="returnTo" value={returnTo} />
      <input type="hidden" name="mailboxId" value={mailboxId ?? ''} />
      {handler !== undefined ? (
        <>
          <TextField name="name" label="Name" defaultValue={handler?.name} placeholder="Sales inbox" required />
          <SelectField
            name="projectId"
            label="Target project"
            defaultValue={handler?.projectId}
            options={projects ?? []}
            hint="The mail handler files mail from this server into this project."
          />
          <CheckboxField name="createRequests" label="Create requests from new emails" defaultChecked={handler?.createRequests ?? true} />
          <CheckboxField name="addComments" label="Add replies as comments" defaultChecked={handler?.addComments ?? true} />
        </>
      ) : null}
      <ControlledText
        name="emailAddress"
        label="Email address"
        type="email"
        value={emailAddress}
        onChange={setEmailAddress}
        hint="Customers write to this address, and replies come from it."
      />
      <MailboxAccessField
        access={access}
        onChange={setAccess}
        aliasMailbox={aliasMailbox}
        onAliasMailboxChange={setAliasMailbox}
        initial={initial}
        protocol={protocol}
      />
      <ControlledSelect
        name="authentication"
        label="Authentication method"
        value={authentication}
        options={authenticationOptions}
        onChange={chooseAuthentication}
        hint={
          domain && matching.length === 0
            ? `No OAuth 2.0 integration allows mailboxes at ${domain}. A system admin can add one under Administration › System › OAuth 2.0.`
            : 'OAuth 2.0 integrations are offered when their mailbox domains include the address’s domain.'
        }
      />
      <ControlledSelect
        name="protocol"
        label="Protocol"
        value={protocol}
        options={[
          { value: 'imap', label: 'IMAP' },
          { value: 'pop3', label: 'POP3' },
        ]}
        onChange={chooseProtocol}
      />
      <div className="grid grid-cols-[1fr_8rem] gap-4">
        <ControlledText name="host" label="Host" value={host} onChange={setHost} />
        <ControlledText name="port" label="Port" type="number" value={port} onChange={setPort} />
      </div>
      <ControlledSelect
        name="security"
        label="Security"
        value={security}
        options={[
          { value: 'tls', label: 'TLS (implicit, ports 993/995)' },
          { value: 'starttls', label: protocol === 'imap' ? 'STARTTLS (port 143)' : 'STLS (port 110)' },
        ]}
        onChange={chooseSecurity}
        hint="The certificate is always verified."
      />
      {protocol === 'imap' ? (
        <TextField name="folder" label="Folder" defaultValue={initial?.folder ?? 'INBOX'} />
      ) : (
        <input type="hidden" name="folder" value="INBOX" />
      )}
      <ControlledSelect
        name="afterProcessing"
        label="After processing"
        value={afterProcessing}
        options={AFTER_PROCESSING[protocol]}
        onChange={setAfterProcessing}
        hint="Intake changes the mailbox only after the request or comment is saved."
      />
      {afterProcessing === 'move' ? <TextField name="moveToFolder" label="Move to folder" defaultValue={initial?.moveToFolder ?? 'Processed'} /> : null}
      {isNew ? (
        <ExistingMailField protocol={protocol} initial={initial} />
      ) : (
        <>
          <input type="hidden" name="existingMail" value={initial && protocol === initial.protocol ? initial.existingMail : 'new_only'} />
          <input type="hidden" name="existingMailSince" value={initial?.existingMailSince ?? ''} />
        </>
      )}
      <details
        className="rounded-md border border-slate-200 px-4 py-3"
        open={Boolean(initial?.smtpHost || initial?.smtpPort || initial?.smtpSecurity || initial?.sendLimitPerMinute)}
      >
        <summary className="cursor-pointer text-sm font-medium">Outgoing mail (SMTP)</summary>
        <div className="mt-3 grid grid-cols-[1fr_8rem] gap-4">
          <ControlledText
            name="smtpHost"
            label="SMTP host"
            value={smtpHost}
            onChange={setSmtpHost}
            hint="Replies to customers are sent through this mailbox. Empty: smtp.gmail.com:465 for Google, smtp.office365.com:587 for Microsoft, else the host above on port 465."
          />
          <ControlledText name="smtpPort" label="SMTP port" type="number" value={smtpPort} onChange={setSmtpPort} hint="465: TLS; 587: STARTTLS." />
        </div>
        <div className="mt-4">
          <SelectField
            name="smtpSecurity"
            label="SMTP security"
            defaultValue={initial?.smtpSecurity ?? ''}
            options={[
              { value: '', label: 'By port (465: TLS, any other: STARTTLS)' },
              { value: 'tls', label: 'TLS (implicit)' },
              { value: 'starttls', label: 'STARTTLS' },
            ]}
            hint="Either way the connection is encrypted and the certificate verified."
          />
        </div>
        <div className="mt-4">
          <TextField
            name="sendLimitPerMinute"
            label="Sending limit (emails a minute)"
            type="number"
            defaultValue={initial?.sendLimitPerMinute ?? ''}
            hint="More replies than this wait in the queue and go out as the minute turns, never dropped. Empty: the provider's limit, 30 for Microsoft 365, else 60."
          />
        </div>
      </details>
      {usesOAuth ? null : (
        <>
          <ControlledText
            name="username"
            label="Username"
            value={username}
            onChange={setUsername}
            hint={access === 'alias' ? 'Leave empty to use the mailbox.' : 'Leave empty to use the email address.'}
          />
          <TextField
            name="password"
            label="Password"
            type="password"
            autoComplete="new-password"
            hint={
              !mailboxId
                ? 'Stored encrypted; never shown again.'
                : serverChanged
                  ? 'You changed where Intake connects: enter the password again, so the stored one is not sent to another server.'
                  : 'Leave empty to keep the stored password.'
            }
          />
        </>
      )}
      {needsAuthorization && !isNew ? (
        <p className="text-sm text-amber-800" data-testid="reauthorization-needed">
          These changes take effect after you sign in to the mailbox again: the stored authorization is sent only to the server it was given for.
        </p>
      ) : null}
      <div className="flex gap-3">
        <SubmitButton name="intent" value="save" pendingLabel={needsAuthorization ? 'Opening the provider…' : 'Testing and saving…'}>
          {needsAuthorization ? 'Save and authorize' : isNew ? 'Save' : 'Update'}
        </SubmitButton>
        {needsAuthorization ? null : (
          <SubmitButton name="intent" value="test" variant="secondary" pendingLabel="Testing…">
            Test connection
          </SubmitButton>
        )}
      </div>
    </ActionForm>
  );
}
