import { requestKey } from '@/lib/requests/insert-request';
import type { SystemEmail } from '@/lib/outgoing-mail/send-system-email';

/** What an alert is about, as loaded when it is sent. */
export type AlertSubject =
  | {
      kind: 'mailbox';
      mailboxKind: 'channel' | 'server';
      mailboxId: string;
      name: string;
      emailAddress: string;
      access: 'own' | 'shared' | 'alias';
      aliasMailbox: string | null;
      authorizedEmail: string | null;
      projectKey: string;
      statusMessage: string | null;
      statusSince: Date;
    }
  | {
      kind: 'outbound_message';
      projectKey: string;
      requestNumber: number;
      recipients: string[];
      subject: string;
      lastError: string | null;
    };

export type AlertReason = 'failing' | 'needs_reauthorization' | 'reply_given_up';

/** Which email of an alert's life this is. */
export type AlertStage = 'alert' | 'reminder' | 'recovery';

const utc = (at: Date) => `${at.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

function nameOf(subject: Extract<AlertSubject, { kind: 'mailbox' }>): string {
  return subject.mailboxKind === 'channel'
    ? `The email channel of ${subject.projectKey} (${subject.emailAddress})`
    : `The incoming mail server “${subject.name}” (${subject.emailAddress})`;
}

function pageOf(subject: AlertSubject, appUrl: string): string {
  if (subject.kind === 'outbound_message') return `${appUrl}/requests/${requestKey(subject.projectKey, subject.requestNumber)}`;
  return subject.mailboxKind === 'channel'
    ? `${appUrl}/projects/${subject.projectKey}/settings/email`
    : `${appUrl}/admin/system/incoming-mail/${subject.mailboxId}`;
}

function problemOf(subject: AlertSubject, reason: AlertReason): { headline: string; lines: string[] } {
  if (subject.kind === 'outbound_message') {
    const key = requestKey(subject.projectKey, subject.requestNumber);
    return {
      headline: `A reply on ${key} could not be sent`,
      lines: [
        `Intake gave up sending the reply “${subject.subject}” to ${subject.recipients.join(', ')}: every attempt over several hours failed.`,
        `Reason: ${subject.lastError ?? 'the SMTP server did not accept it'}`,
        `What to do: fix the channel's outgoing mail (Test connection on the channel's settings shows what fails), then press Send again on the request.`,
      ],
    };
  }
  const name = nameOf(subject);
  const serverOnly = subject.mailboxKind === 'server' ? ' Only system admins can open this page.' : '';
  if (reason === 'needs_reauthorization') {
    const signIn =
      subject.access === 'shared'
        ? `sign in as any member with Full Access to ${subject.emailAddress}`
        : `sign in as ${subject.access === 'alias' ? subject.aliasMailbox : subject.emailAddress}`;
    return {
      headline: `${name} needs re-authorization`,
      lines: [
        `${name} needs re-authorization since ${utc(subject.statusSince)}: the provider no longer accepts the authorization ${subject.authorizedEmail ? `${subject.authorizedEmail} gave` : 'Intake holds'}, so no mail is read from it.`,
        `Reason: ${subject.statusMessage ?? 'the provider refused the stored authorization'}`,
        `What to do: press Authorize on the page below and ${signIn}.${serverOnly}`,
      ],
    };
  }
  return {
    headline: `${name} is failing`,
    lines: [
      `${name} has been failing since ${utc(subject.statusSince)}: Intake cannot read it, so new mail does not become requests.`,
      `Reason: ${subject.statusMessage ?? 'the last check failed'}`,
      `What to do: press Test connection on the page below to see which step fails, then correct the settings.${serverOnly}`,
    ],
  };
}

/** The email for one stage of an alert: all the words of admin alerts live here. */
export function adminAlertEmail({
  subject,
  reason,
  stage,
  to,
  appUrl,
}: {
  subject: AlertSubject;
  reason: AlertReason;
  stage: AlertStage;
  to: string[];
  appUrl: string;
}): SystemEmail {
  const page = pageOf(subject, appUrl);
  const { headline, lines } = problemOf(subject, reason);
  if (stage === 'recovery') {
    const works =
      subject.kind === 'outbound_message' ? `The reply on ${requestKey(subject.projectKey, subject.requestNumber)} was sent` : `${nameOf(subject)} works again`;
    return { to, subject: `[Intake] ${works}`, text: [`${works}. Nothing more to do.`, '', page, '', footer].join('\n') };
  }
  const prefix = stage === 'reminder' ? 'Reminder: ' : '';
  const reminder = stage === 'reminder' ? ['', 'This is the daily reminder: the problem is still there.'] : [];
  return { to, subject: `[Intake] ${prefix}${headline}`, text: [...lines, '', page, ...reminder, '', footer].join('\n') };
}

const footer = '-- \nSent by Intake to its system admins and the project’s admins. At most one reminder a day; a note follows when it works again.';
