import type { ReactNode } from 'react';
import { NavLink } from '@/app/_components/nav-link';
import { PageHeader } from '@/app/_components/page-header';
import { requireSystemAdminPage } from '@/app/_server/session';

export default async function SystemLayout({ children }: { children: ReactNode }) {
  await requireSystemAdminPage();
  return (
    <>
      <PageHeader title="System" description="Installation-wide settings: OAuth 2.0 integrations, incoming and outgoing mail servers and the job runner." />
      <div className="flex gap-8">
        <nav aria-label="System" className="w-48 shrink-0 space-y-1">
          <NavLink href="/admin/system" exact>
            Overview
          </NavLink>
          <NavLink href="/admin/system/oauth">OAuth 2.0</NavLink>
          <NavLink href="/admin/system/incoming-mail">Incoming mail</NavLink>
          <NavLink href="/admin/system/outgoing-mail">Outgoing mail</NavLink>
        </nav>
        <div className="min-w-0 flex-1 space-y-6">{children}</div>
      </div>
    </>
  );
}
