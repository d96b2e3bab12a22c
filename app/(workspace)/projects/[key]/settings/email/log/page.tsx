import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '@/app/_components/auto-refresh';
import { EmailLog } from '@/app/_components/email-log';
import { Card } from '@/app/_components/page-header';
import { loadProjectForPage } from '@/app/_server/project-page';
import { listEmailLog } from '@/lib/ingest/list-email-log';
import { getProjectChannel } from '@/lib/mailboxes/list-mailboxes';

export const metadata: Metadata = { title: 'Email log' };

export default async function ChannelEmailLogPage({ params, searchParams }: { params: Promise<{ key: string }>; searchParams: Promise<{ before?: string }> }) {
  const { project, denied, db, actor } = await loadProjectForPage((await params).key, 'admin');
  if (denied) return null;
  const channel = await getProjectChannel({ db, actor, projectId: project.id });
  const base = `/projects/${project.key}/settings/email/log`;
  if (!channel) {
    return (
      <Card title="Email log">
        <p className="text-sm text-slate-600">
          This project has no email channel yet.{' '}
          <Link href={`/projects/${project.key}/settings/email`} className="text-brand-700 underline">
            Connect one
          </Link>
          .
        </p>
      </Card>
    );
  }
  const log = await listEmailLog({ db, actor, mailboxId: channel.id, before: (await searchParams).before });
  return (
    <Card title="Email log" description={`Every message read from ${channel.emailAddress}, newest first.`}>
      <AutoRefresh seconds={10} />
      <EmailLog log={log} basePath={base} returnTo={base} />
    </Card>
  );
}
