import type { Actor } from '@/lib/auth/actor';
import type { Queryable } from '@/db/client';
import { listRequestNotifications } from '@/lib/notifications/list-request-notifications';
import { NOTIFICATION_KIND_LABEL } from '@/lib/notifications/notification-email';
import { notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { Card } from './page-header';
import { NotificationsOffNotice } from './notifications-off-notice';
import { formatTime } from './request-status';

const STATE = { pending: 'to be emailed', sent: '', failed: 'not delivered', skipped: '' } as const;

/** Who Intake emailed about this request, and why: so nobody wonders whether a colleague was told. */
export async function NotifiedList({ db, actor, requestId }: { db: Queryable; actor: Actor; requestId: string }) {
  const [notified, on] = await Promise.all([listRequestNotifications({ db, actor, requestId }), notificationsAreOn(db)]);
  return (
    <Card title="Notified" description="Agents and admins of the project emailed about this request.">
      {on ? null : <NotificationsOffNotice canSetUp={actor.isSystemAdmin} />}
      {notified.length === 0 ? (
        <p className="text-sm text-slate-500">Nobody yet.</p>
      ) : (
        <ul className="space-y-1 text-sm" data-testid="notified">
          {notified.map((entry) => (
            <li key={entry.id} className={entry.status === 'failed' ? 'text-red-700' : undefined}>
              <span className="break-all">{entry.email}</span>{' '}
              <span className="text-xs text-slate-500">
                ({NOTIFICATION_KIND_LABEL[entry.kind].toLowerCase()}
                {entry.digest ? ', in a digest' : ''}, {formatTime(entry.sentAt ?? entry.createdAt)}
                {STATE[entry.status] ? `, ${STATE[entry.status]}` : ''})
              </span>
              {entry.status === 'failed' && entry.lastError ? <span className="block text-xs">{entry.lastError}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
