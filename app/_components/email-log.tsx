import Link from 'next/link';
import { retryInboundMessageAction } from '@/app/(workspace)/mailbox-actions';
import type { listEmailLog } from '@/lib/ingest/list-email-log';
import { Cell, DataTable } from './data-table';
import { EmptyState } from './page-header';
import { formatTime } from './request-status';
import { InlineAction } from './inline-action';

type EmailLogPage = Awaited<ReturnType<typeof listEmailLog>>;

const STATUS_STYLE = {
  processed: 'text-green-800',
  ignored: 'text-slate-600',
  rejected: 'text-amber-800',
  failed: 'text-red-700',
  pending: 'text-blue-800',
} as const;

/** Every message a mailbox fetched and what became of it, with the raw source and Retry. */
export function EmailLog({ log, basePath, returnTo }: { log: EmailLogPage; basePath: string; returnTo: string }) {
  if (log.rows.length === 0) return <EmptyState title="No email fetched yet">Messages appear here as soon as Intake reads them from the mailbox.</EmptyState>;
  return (
    <>
      <DataTable label="Email log" columns={['Fetched', 'From', 'Subject', 'Outcome', '']}>
        {log.rows.map((row) => (
          <tr key={row.id} data-testid="email-log-row">
            <Cell className="whitespace-nowrap text-slate-600">{formatTime(row.fetchedAt)}</Cell>
            <Cell className="max-w-48 truncate">{row.fromAddress ?? '—'}</Cell>
            <Cell className="max-w-72 truncate">{row.subject ?? '(no subject)'}</Cell>
            <Cell className={STATUS_STYLE[row.status]}>
              {row.requestKey ? (
                <Link href={`/requests/${row.requestKey}`} className="hover:underline">
                  {row.outcome}
                </Link>
              ) : (
                (row.outcome ?? (row.attempts > 0 ? `Waiting to retry: ${row.lastError}` : 'Waiting to be processed'))
              )}
              {row.imported ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">Imported</span> : null}
            </Cell>
            <Cell className="whitespace-nowrap text-right">
              {row.hasRaw ? (
                <a href={`/api/messages/${row.id}/raw`} className="mr-3 text-brand-700 hover:underline">
                  Raw
                </a>
              ) : null}
              {row.status === 'failed' && row.hasRaw ? (
                <InlineAction action={retryInboundMessageAction} fields={{ messageId: row.id, returnTo }} label="Retry" pendingLabel="Retrying…" />
              ) : null}
            </Cell>
          </tr>
        ))}
      </DataTable>
      {log.nextBefore ? (
        <Link href={`${basePath}?before=${log.nextBefore}`} className="text-sm text-brand-700 hover:underline">
          Older messages →
        </Link>
      ) : null}
    </>
  );
}
