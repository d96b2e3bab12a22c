import Link from 'next/link';
import type { ReactNode } from 'react';
import { NavLink } from '@/app/_components/nav-link';
import { PageHeader } from '@/app/_components/page-header';
import { loadProjectForPage } from '@/app/_server/project-page';

export default async function ProjectSettingsLayout({ children, params }: { children: ReactNode; params: Promise<{ key: string }> }) {
  const { project, denied } = await loadProjectForPage((await params).key, 'admin');
  const base = `/projects/${project.key}/settings`;
  return (
    <>
      <PageHeader
        title="Project settings"
        description={
          <Link href={`/projects/${project.key}`} className="text-brand-700 hover:underline">
            {project.key} · {project.name}
          </Link>
        }
      />
      {denied ? (
        <p role="alert" className="rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          Only project admins can change project settings.
        </p>
      ) : (
        <div className="flex gap-8">
          <nav aria-label="Project settings" className="w-48 shrink-0 space-y-1">
            <NavLink href={base} exact>
              Details
            </NavLink>
            <NavLink href={`${base}/people`}>People</NavLink>
            <NavLink href={`${base}/email`}>Email requests</NavLink>
          </nav>
          <div className="min-w-0 max-w-3xl flex-1 space-y-6">{children}</div>
        </div>
      )}
    </>
  );
}
