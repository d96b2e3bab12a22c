import Link from 'next/link';
import type { Queryable } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { listMailboxAlerts } from '@/lib/mailboxes/list-mailboxes';
import { notificationsAreOn, outgoingMailNeedsReauthorization } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { NotificationsOffNotice } from './notifications-off-notice';
import { formatTime } from './request-status';

function alertText(mailbox: Awaited<ReturnType<typeof listMailboxAlerts>>[number], what: string): string {
  if (mailbox.status === 'needs_reauthorization')
    return `${what} needs re-authorization: the sign-in of ${mailbox.authorizedEmail ?? 'its account'} no longer works, and Intake cannot read it until someone authorizes it again.`;
  if (mailbox.status === 'failing') return `${what} is failing: ${mailbox.statusMessage ?? 'the last check failed'}.`;
  if (mailbox.status === 'paused_by_provider')
    return `${what} is paused by its provider until ${formatTime(mailbox.nextPollAt)} (“${mailbox.statusMessage}”); Intake resumes reading by itself.`;
  return `Sending from ${what} is paused by its provider until ${formatTime(mailbox.sendingPausedUntil!)} (“${mailbox.sendingPauseReason}”); replies go out by themselves then.`;
}

/** A banner for every mailbox that needs a person (re-authorization or a failing connection), and for outgoing mail that needs re-authorization. */
export async function MailboxAlerts({ db, actor }: { db: Queryable; actor: Actor }) {
  // Only a system admin can mend outgoing mail, so only they are told it needs them.
  const [alerts, outgoingMailBroken] = await Promise.all([
    listMailboxAlerts({ db, actor }),
    actor.isSystemAdmin ? outgoingMailNeedsReauthorization(db) : false,
  ]);
  if (alerts.length === 0 && !outgoingMailBroken) return null;
  // Whoever sees a problem here should know whether anyone gets an email about it.
  const emailed = await notificationsAreOn(db);
  return (
    <section className="space-y-2 border-b border-amber-200 bg-amber-50 px-6 py-3" aria-label="Mailbox alerts">
      {emailed ? null : <NotificationsOffNotice canSetUp={actor.isSystemAdmin} />}
      {outgoingMailBroken ? (
        <p className="text-sm text-amber-900" data-testid="mailbox-alert">
          Outgoing mail needs re-authorization: the provider no longer accepts its sign-in, so no alert or notification goes out until someone authorizes it
          again.{' '}
          <Link href="/admin/system/outgoing-mail" className="font-medium underline">
            Authorize
          </Link>
        </p>
      ) : null}
      {alerts.map((mailbox) => {
        const href = mailbox.kind === 'channel' ? `/projects/${mailbox.projectKey}/settings/email` : `/admin/system/incoming-mail/${mailbox.id}`;
        const what =
          mailbox.kind === 'channel'
            ? `The email channel of ${mailbox.projectKey} (${mailbox.emailAddress})`
            : `The incoming mail server “${mailbox.name}” (${mailbox.emailAddress})`;
        return (
          <p key={mailbox.id} className="text-sm text-amber-900" data-testid="mailbox-alert">
            {alertText(mailbox, what)}{' '}
            <Link href={href} className="font-medium underline">
              {mailbox.status === 'needs_reauthorization' ? 'Authorize' : 'Open settings'}
            </Link>
          </p>
        );
      })}
    </section>
  );
}
