import type { ReactNode } from 'react';
import {
  authorizeMailboxAction,
  cancelExistingMailImportAction,
  removeMailboxAction,
  setMailboxEnabledAction,
  testStoredMailboxAction,
} from '@/app/(workspace)/mailbox-actions';
import type { MailboxView } from '@/lib/mailboxes/list-mailboxes';
import { AutoRefresh } from './auto-refresh';
import { InlineAction } from './inline-action';
import { formatTime } from './request-status';

type Mailbox = NonNullable<MailboxView>;

export const MAILBOX_STATUS_LABEL: Record<Mailbox['status'], string> = {
  active: 'Active',
  needs_reauthorization: 'Needs re-authorization',
  failing: 'Failing',
  disabled: 'Disabled',
  paused_by_provider: 'Paused by provider',
};

const STATUS_STYLE: Record<Mailbox['status'], string> = {
  active: 'bg-green-100 text-green-800',
  needs_reauthorization: 'bg-amber-100 text-amber-900',
  failing: 'bg-red-100 text-red-800',
  disabled: 'bg-slate-200 text-slate-700',
  paused_by_provider: 'bg-sky-100 text-sky-900',
};

const when = (date: Date | null) => (date ? formatTime(date) : 'never');

const number = (value: number) => value.toLocaleString('en-US');

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

const importRunning = (mailbox: Mailbox) => Boolean(mailbox.existingMailSummary?.import && !mailbox.existingMailSummary.import.endedAt);

/** What the mailbox held when connected; N of M, the rate and the time left of a running import; what it filed once it ended. */
function describeExistingMail(existing: NonNullable<Mailbox['existingMailSummary']>): string {
  if (!existing.import) {
    const held = existing.messages ?? 0;
    return `${number(held)} message${held === 1 ? ' was' : 's were'} in the mailbox when it was connected; none of them became a request.`;
  }
  const { total, done, startedAt, endedAt, cancelled } = existing.import;
  if (endedAt) {
    const filed = `${number(done)} existing email${done === 1 ? '' : 's'} imported`;
    return cancelled ? `Cancelled on ${when(endedAt)}: ${filed}; the older mail stays in the mailbox.` : `${filed} on ${when(endedAt)}, without confirmations.`;
  }
  if (total === null) return 'Counting the existing mail to import…';
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const rate = done / Math.max(seconds, 1);
  const left = rate > 0 ? `, about ${duration((total - done) / rate)} left` : '';
  return `Importing existing mail: ${number(done)} of ${number(total)} (${rate >= 10 ? number(Math.round(rate)) : rate.toFixed(1)} a second${left}). No confirmations are sent for it.`;
}

/** Which mailbox is read for the address customers write to. */
function describeReading(mailbox: Mailbox): string {
  if (mailbox.access === 'shared') return `${mailbox.emailAddress} (Microsoft 365 shared mailbox)`;
  if (mailbox.access === 'alias')
    return `${mailbox.emailAddress}, an alias delivered into ${mailbox.aliasMailbox}${mailbox.onlyMailToAlias ? '; only mail addressed to the alias is filed' : ''}`;
  return mailbox.emailAddress;
}

/** Whether the provider has paused this mailbox's sending right now. */
export const sendingPaused = (mailbox: Pick<Mailbox, 'sendingPausedUntil'>) =>
  mailbox.sendingPausedUntil !== null && mailbox.sendingPausedUntil.getTime() > Date.now();

export function MailboxStatusBadge({ status }: { status: Mailbox['status'] }) {
  return (
    <span data-testid="mailbox-status" className={`rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[status]}`}>
      {MAILBOX_STATUS_LABEL[status]}
    </span>
  );
}

/** Health and the one-click actions of a saved channel or incoming mail server. */
export function MailboxStatusPanel({
  mailbox,
  returnTo,
  removedReturnTo,
  extra,
}: {
  mailbox: Mailbox;
  returnTo: string;
  removedReturnTo: string;
  extra?: ReactNode;
}) {
  const enabled = mailbox.status !== 'disabled';
  return (
    <div className="space-y-4">
      <dl className="grid grid-cols-[12rem_1fr] gap-y-2 text-sm">
        <dt className="text-slate-500">Status</dt>
        <dd className="space-y-1">
          <MailboxStatusBadge status={mailbox.status} />
          {mailbox.status === 'paused_by_provider' ? (
            <p className="text-slate-700" data-testid="reading-paused">
              Paused by provider until {when(mailbox.nextPollAt)}: “{mailbox.statusMessage}”. Intake resumes reading by itself then.
            </p>
          ) : mailbox.statusMessage && mailbox.status !== 'active' ? (
            <p className="text-slate-700">
              {mailbox.statusMessage} <span className="text-slate-500">(since {when(mailbox.statusSince)})</span>
            </p>
          ) : null}
        </dd>
        {sendingPaused(mailbox) ? (
          <>
            <dt className="text-slate-500">Sending</dt>
            <dd className="text-slate-700" data-testid="sending-paused">
              Paused by provider until {when(mailbox.sendingPausedUntil)}: “{mailbox.sendingPauseReason}”. Replies wait in the queue and go out by themselves
              then.
            </dd>
          </>
        ) : null}
        <dt className="text-slate-500">Mailbox</dt>
        <dd data-testid="mailbox-reading">
          {describeReading(mailbox)} · {mailbox.protocol.toUpperCase()} {mailbox.host}:{mailbox.port}
          {mailbox.protocol === 'imap' ? ` · ${mailbox.folder}` : ''}
        </dd>
        <dt className="text-slate-500">Authentication</dt>
        <dd data-testid="mailbox-authorization">
          {mailbox.authMethod === 'oauth'
            ? `OAuth 2.0 (${mailbox.integrationName ?? 'integration removed'})${mailbox.authorizedAt ? `, authorized by ${mailbox.authorizedEmail} for ${mailbox.emailAddress} on ${when(mailbox.authorizedAt)}` : ''}`
            : 'Password'}
          {mailbox.status === 'needs_reauthorization' && mailbox.authorizedEmail ? (
            <p className="text-amber-900">
              The sign-in of {mailbox.authorizedEmail} no longer works.{' '}
              {mailbox.access === 'shared'
                ? 'Any member with Full Access can authorize again; settings and history stay.'
                : `Authorize again as ${mailbox.aliasMailbox ?? mailbox.emailAddress}; settings and history stay.`}
            </p>
          ) : null}
        </dd>
        <dt className="text-slate-500">Last successful check</dt>
        <dd>{when(mailbox.lastSuccessAt)}</dd>
        <dt className="text-slate-500">Last fetch</dt>
        <dd data-testid="last-fetch">{when(mailbox.lastPollAt)}</dd>
        <dt className="text-slate-500">Messages waiting</dt>
        <dd>
          {mailbox.messagesWaiting}
          {mailbox.oldestWaitingAt ? ` (the oldest for ${Math.max(1, Math.round((Date.now() - mailbox.oldestWaitingAt.getTime()) / 1000))} s)` : ''}
        </dd>
        {mailbox.existingMailSummary && (mailbox.existingMailSummary.import || mailbox.existingMailSummary.messages) ? (
          <>
            <dt className="text-slate-500">Existing mail</dt>
            <dd className="text-slate-700" data-testid="existing-mail">
              {describeExistingMail(mailbox.existingMailSummary)}
              {importRunning(mailbox) ? <AutoRefresh seconds={3} /> : null}
            </dd>
          </>
        ) : null}
        {extra}
      </dl>
      <div className="flex flex-wrap gap-3">
        {mailbox.authMethod === 'oauth' ? (
          <InlineAction
            action={authorizeMailboxAction}
            fields={{ mailboxId: mailbox.id, returnTo }}
            label="Authorize"
            pendingLabel="Opening the provider…"
            variant={mailbox.status === 'needs_reauthorization' ? 'primary' : 'secondary'}
          />
        ) : null}
        {importRunning(mailbox) ? (
          <InlineAction action={cancelExistingMailImportAction} fields={{ mailboxId: mailbox.id, returnTo }} label="Cancel import" pendingLabel="Cancelling…" />
        ) : null}
        <InlineAction action={testStoredMailboxAction} fields={{ mailboxId: mailbox.id, returnTo }} label="Test connection" pendingLabel="Testing…" />
        <InlineAction
          action={setMailboxEnabledAction}
          fields={{ mailboxId: mailbox.id, returnTo, enabled: enabled ? 'false' : 'true' }}
          label={enabled ? 'Disable' : 'Enable'}
          pendingLabel={enabled ? 'Disabling…' : 'Testing and enabling…'}
        />
        <InlineAction
          action={removeMailboxAction}
          fields={{ mailboxId: mailbox.id, returnTo: removedReturnTo }}
          label="Remove"
          pendingLabel="Removing…"
          variant="danger"
        />
      </div>
    </div>
  );
}

/** The result of an authorization, shown once on the page the provider sent the admin back to. */
export function AuthorizationOutcome({ outcome }: { outcome: { ok: boolean; message: string } | null }) {
  if (!outcome) return null;
  return (
    <p
      role={outcome.ok ? 'status' : 'alert'}
      data-testid="authorization-outcome"
      className={`rounded-md border px-4 py-3 text-sm ${outcome.ok ? 'border-green-200 bg-green-50 text-green-800' : 'border-red-200 bg-red-50 text-red-800'}`}
    >
      {outcome.message}
    </p>
  );
}
