import Link from 'next/link';

/** Said wherever an email would be expected, so nobody relies on alerts that cannot go out. */
export function NotificationsOffNotice({ canSetUp }: { canSetUp: boolean }) {
  return (
    <p data-testid="notifications-off" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
      Email notifications are off: no outgoing mail server is set up, so nobody is emailed about problems or requests.{' '}
      {canSetUp ? (
        <Link href="/admin/system/outgoing-mail" className="font-medium underline">
          Set up outgoing mail
        </Link>
      ) : (
        'A system admin can set one up under Administration › System › Outgoing mail.'
      )}
    </p>
  );
}
