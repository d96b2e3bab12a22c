import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { AutoRefresh } from '@/app/_components/auto-refresh';
import { Cell, DataTable } from '@/app/_components/data-table';
import { buttonClass, inputClass } from '@/app/_components/styles';
import { EmptyState, PageHeader } from '@/app/_components/page-header';
import { formatTime, RequestStatusBadge } from '@/app/_components/request-status';
import { loadProjectForPage } from '@/app/_server/project-page';
import { requestKey } from '@/lib/requests/insert-request';
import { listProjectMembers } from '@/lib/projects/list-project-members';
import { listRequests } from '@/lib/requests/list-requests';

type Props = { params: Promise<{ key: string }>; searchParams: Promise<Record<string, string | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).key };
}

function FilterField({ name, label, className = '', children }: { name: string; label: string; className?: string; children: ReactNode }) {
  return (
    <div className={`space-y-1 ${className}`}>
      <label htmlFor={`filter-${name}`} className="block text-xs font-medium text-slate-600">
        {label}
      </label>
      {children}
    </div>
  );
}

function FilterSelect({ name, label, value, options }: { name: string; label: string; value: string; options: { value: string; label: string }[] }) {
  return (
    <FilterField name={name} label={label}>
      <select id={`filter-${name}`} name={name} defaultValue={value} className={inputClass}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FilterField>
  );
}

export default async function ProjectQueuePage({ params, searchParams }: Props) {
  const { project, db, actor } = await loadProjectForPage((await params).key);
  const query = await searchParams;
  const [queue, members] = await Promise.all([
    listRequests({ db, actor, projectId: project.id, query }),
    listProjectMembers({ db, actor, projectId: project.id }),
  ]);
  const { filters } = queue;
  const filtered = filters.status !== 'unresolved' || filters.assignee || filters.reporter || filters.q;
  const base = `/projects/${project.key}`;
  const nextPage = queue.nextCursor
    ? `${base}?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value)), after: queue.nextCursor })}`
    : null;
  return (
    <>
      <AutoRefresh seconds={5} />
      <PageHeader
        title={
          <>
            <span className="mr-2 font-mono text-base text-slate-500">{project.key}</span>
            {project.name}
          </>
        }
        description={project.description || undefined}
        actions={
          <>
            <Link href={`${base}/new`} className={buttonClass()}>
              Create request
            </Link>
            {project.role === 'admin' ? (
              <Link href={`${base}/settings`} className={buttonClass('secondary')}>
                Project settings
              </Link>
            ) : null}
          </>
        }
      />
      {/* biome-ignore lint/a11y/useSemanticElements: a form with role="search" is the ARIA search landmark; <search> would only wrap it. */}
      <form method="get" action={base} className="mb-4 grid grid-cols-2 items-end gap-3 md:grid-cols-6" role="search" aria-label="Filter the queue">
        <FilterField name="q" label="Search" className="col-span-2">
          <input id="filter-q" name="q" type="search" defaultValue={filters.q} placeholder="Words in summary or description, or SD-12" className={inputClass} />
        </FilterField>
        <FilterSelect
          name="status"
          label="Status"
          value={filters.status}
          options={[
            { value: 'unresolved', label: 'Unresolved' },
            { value: 'open', label: 'Open' },
            { value: 'waiting', label: 'Waiting for customer' },
            { value: 'resolved', label: 'Resolved' },
            { value: 'all', label: 'All' },
          ]}
        />
        <FilterSelect
          name="assignee"
          label="Assignee"
          value={filters.assignee}
          options={[
            { value: '', label: 'Anyone' },
            { value: 'me', label: 'Me' },
            { value: 'unassigned', label: 'Unassigned' },
            ...members.map((member) => ({ value: member.userId, label: member.name })),
          ]}
        />
        <FilterField name="reporter" label="Reporter">
          <input id="filter-reporter" name="reporter" type="email" defaultValue={filters.reporter} placeholder="customer@example.com" className={inputClass} />
        </FilterField>
        <FilterSelect
          name="sort"
          label="Sort by"
          value={filters.sort}
          options={[
            { value: 'activity', label: 'Last activity' },
            { value: 'created', label: 'Created' },
          ]}
        />
        <div className="col-span-2 flex gap-2 md:col-span-6">
          <button type="submit" className={buttonClass('secondary')}>
            Apply filters
          </button>
          {filtered ? (
            <Link href={base} className="self-center text-sm text-brand-700 hover:underline">
              Clear filters
            </Link>
          ) : null}
        </div>
      </form>
      {queue.rows.length === 0 ? (
        <EmptyState title={filtered || filters.after ? 'No requests match' : 'No requests yet'}>
          {filtered ? 'Try other filters.' : 'Requests appear here as soon as customers email this project.'}
          {!filtered && project.role === 'admin' ? ' Connect the project’s support mailbox in Project settings › Email requests.' : ''}
        </EmptyState>
      ) : (
        <div className="rounded-lg border border-slate-200 bg-white px-4 shadow-sm">
          <DataTable label="Queue" columns={['Key', 'Summary', 'Reporter', 'Status', 'Assignee', 'Created', 'Last activity']}>
            {queue.rows.map((request) => {
              const key = requestKey(project.key, request.number);
              return (
                <tr key={request.id}>
                  <Cell className="whitespace-nowrap font-mono text-xs">
                    <Link href={`/requests/${key}`} className="text-brand-700 hover:underline">
                      {key}
                    </Link>
                  </Cell>
                  <Cell>
                    <Link href={`/requests/${key}`} className="hover:underline">
                      {request.summary}
                    </Link>
                  </Cell>
                  <Cell className="text-slate-600">{request.reporterName || request.reporterEmail || '—'}</Cell>
                  <Cell>
                    <RequestStatusBadge status={request.status} />
                  </Cell>
                  <Cell className="text-slate-600">{request.assigneeName ?? 'Unassigned'}</Cell>
                  <Cell className="whitespace-nowrap text-slate-600">{formatTime(request.createdAt)}</Cell>
                  <Cell className="whitespace-nowrap text-slate-600">{formatTime(request.lastActivityAt)}</Cell>
                </tr>
              );
            })}
          </DataTable>
        </div>
      )}
      <div className="mt-4 flex gap-4 text-sm">
        {filters.after ? (
          <Link
            href={`${base}?${new URLSearchParams(Object.fromEntries(Object.entries({ ...filters, after: '' }).filter(([, value]) => value)))}`}
            className="text-brand-700 hover:underline"
          >
            ← First page
          </Link>
        ) : null}
        {nextPage ? (
          <Link href={nextPage} className="text-brand-700 hover:underline">
            Next page →
          </Link>
        ) : null}
      </div>
    </>
  );
}
