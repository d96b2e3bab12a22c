import type { Metadata } from 'next';
import { AutoRefresh } from '@/app/_components/auto-refresh';
import { Cell, DataTable } from '@/app/_components/data-table';
import { Card } from '@/app/_components/page-header';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDatabase } from '@/db/client';
import { listAuditEntries } from '@/lib/audit/list-audit-entries';
import { getHealth } from '@/lib/system/get-health';
import { getJobRunnerStatus } from '@/lib/system/job-runner-status';

export const metadata: Metadata = { title: 'System' };

function ago(seconds: number | null): string {
  if (seconds === null) return 'never';
  if (seconds < 120) return `${seconds} s ago`;
  return `${Math.round(seconds / 60)} min ago`;
}

export default async function SystemPage() {
  const actor = await requireSystemAdminPage();
  const database = await getDatabase();
  const [health, runner, audit] = await Promise.all([
    getHealth(database),
    getJobRunnerStatus({ db: database.db, actor }),
    listAuditEntries({ db: database.db, actor, limit: 25 }),
  ]);
  return (
    <>
      <AutoRefresh />
      <div className="space-y-6">
        <Card title="Status">
          <dl className="grid grid-cols-[12rem_1fr] gap-y-2 text-sm">
            <dt className="text-slate-500">Overall</dt>
            <dd data-testid="health-status" className={health.status === 'ok' ? 'text-green-700' : 'text-red-700'}>
              {health.status === 'ok' ? 'Healthy' : health.problems.join(' ')}
            </dd>
            <dt className="text-slate-500">Database</dt>
            <dd>{database.kind === 'pglite' ? 'Embedded (PGlite)' : 'PostgreSQL'}</dd>
            <dt className="text-slate-500">Migrations</dt>
            <dd>
              {health.migrations.applied} of {health.migrations.expected} applied
            </dd>
            <dt className="text-slate-500">Job runner</dt>
            <dd data-testid="job-runner-heartbeat">Job runner: last heartbeat {ago(runner.lastHeartbeatSecondsAgo)}</dd>
          </dl>
        </Card>
        <Card title="Workers" description="Each process that runs jobs: the server itself in embedded mode, plus any `npm run worker` processes.">
          {runner.workers.length === 0 ? (
            <p className="text-sm text-slate-600">No job runner is running. Start one with `npm run worker`, or unset INTAKE_WORKERS=0.</p>
          ) : (
            <DataTable columns={['Worker id', 'Kind', 'Started', 'Last heartbeat']}>
              {runner.workers.map((worker) => (
                <tr key={worker.id}>
                  <Cell className="font-mono text-xs">{worker.id}</Cell>
                  <Cell>{worker.mode === 'in-process' ? 'In the server' : 'Worker process'}</Cell>
                  <Cell className="text-slate-600">{worker.startedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC</Cell>
                  <Cell className={`${worker.responding ? '' : 'text-red-700'}`}>
                    {ago(worker.heartbeatSecondsAgo)}
                    {worker.responding ? '' : ' — not responding'}
                  </Cell>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
        <Card title="Audit log" description="The latest administrative changes. Secret values are never recorded.">
          {audit.length === 0 ? (
            <p className="text-sm text-slate-600">Nothing recorded yet.</p>
          ) : (
            <DataTable columns={['When', 'Who', 'What', 'Details']}>
              {audit.map((entry) => (
                <tr key={entry.id}>
                  <Cell className="whitespace-nowrap text-slate-600">{entry.at.toISOString().replace('T', ' ').slice(0, 19)}</Cell>
                  <Cell>{entry.actorEmail ?? 'Intake'}</Cell>
                  <Cell className="font-mono text-xs">{entry.action}</Cell>
                  <Cell className="font-mono text-xs text-slate-600 [overflow-wrap:anywhere]">{JSON.stringify(entry.details)}</Cell>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
      </div>
    </>
  );
}
