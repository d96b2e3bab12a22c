import type { Metadata } from 'next';
import Link from 'next/link';
import { Cell, DataTable } from '@/app/_components/data-table';
import { buttonClass } from '@/app/_components/styles';
import { MailboxStatusBadge } from '@/app/_components/mailbox-status-panel';
import { Card, EmptyState } from '@/app/_components/page-header';
import { SenderRules } from '@/app/_components/sender-rules';
import { listSenderRules } from '@/lib/ingest/sender-rules';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { listMailServers } from '@/lib/mailboxes/list-mailboxes';

export const metadata: Metadata = { title: 'Incoming mail' };

export default async function IncomingMailPage({ searchParams }: { searchParams: Promise<{ removed?: string }> }) {
  const actor = await requireSystemAdminPage();
  const db = await getDb();
  const [servers, rules] = await Promise.all([listMailServers({ db, actor }), listSenderRules({ db, actor, projectId: null })]);
  const { removed } = await searchParams;
  return (
    <>
      <Card title="Incoming mail servers" description="Global mailboxes read over IMAP or POP3 whose mail handler files mail into a project.">
        {removed ? (
          <p role="status" className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">
            The mail server was removed. Its requests stay in their project.
          </p>
        ) : null}
        <div>
          <Link href="/admin/system/incoming-mail/new" className={buttonClass()}>
            Add incoming mail server
          </Link>
        </div>
        {servers.length === 0 ? (
          <EmptyState title="No incoming mail servers">
            Project channels are set up in each project’s settings; add a server here for mailboxes a system admin manages.
          </EmptyState>
        ) : (
          <DataTable columns={['Name', 'Email address', 'Server', 'Target project', 'Status']}>
            {servers.map((server) => (
              <tr key={server.id}>
                <Cell>
                  <Link href={`/admin/system/incoming-mail/${server.id}`} className="text-brand-700 hover:underline">
                    {server.name}
                  </Link>
                </Cell>
                <Cell>{server.emailAddress}</Cell>
                <Cell className="text-slate-600">
                  {server.protocol.toUpperCase()} {server.host}:{server.port}
                </Cell>
                <Cell>{server.projectKey}</Cell>
                <Cell>
                  <MailboxStatusBadge status={server.status} />
                </Cell>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      <Card title="Allowlist and blocklist for every project" description="Project admins keep their own lists too; a blocked sender is refused everywhere.">
        <SenderRules projectId={null} rules={rules} returnTo="/admin/system/incoming-mail" />
      </Card>
    </>
  );
}
