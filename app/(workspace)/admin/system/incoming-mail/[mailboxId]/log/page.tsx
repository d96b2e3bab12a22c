import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AutoRefresh } from '@/app/_components/auto-refresh';
import { EmailLog } from '@/app/_components/email-log';
import { Card } from '@/app/_components/page-header';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { NotFoundError } from '@/lib/errors';
import { listEmailLog } from '@/lib/ingest/list-email-log';
import { isUuid } from '@/lib/validation';

export const metadata: Metadata = { title: 'Email log' };

export default async function MailServerEmailLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ mailboxId: string }>;
  searchParams: Promise<{ before?: string }>;
}) {
  const actor = await requireSystemAdminPage();
  const { mailboxId } = await params;
  if (!isUuid(mailboxId)) notFound();
  const base = `/admin/system/incoming-mail/${mailboxId}/log`;
  const log = await listEmailLog({ db: await getDb(), actor, mailboxId, before: (await searchParams).before }).catch((error) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  return (
    <>
      <p className="text-sm">
        <Link href={`/admin/system/incoming-mail/${mailboxId}`} className="text-brand-700 hover:underline">
          ← {log.mailbox.name}
        </Link>
      </p>
      <Card title="Email log" description={`Every message read from ${log.mailbox.emailAddress}, newest first.`}>
        <AutoRefresh seconds={10} />
        <EmailLog log={log} basePath={base} returnTo={base} />
      </Card>
    </>
  );
}
