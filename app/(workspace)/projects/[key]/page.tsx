import type { Metadata } from 'next';
import Link from 'next/link';
import { buttonClass } from '@/app/_components/form';
import { EmptyState, PageHeader } from '@/app/_components/page-header';
import { loadProjectForPage } from '@/app/_server/project-page';

type Props = { params: Promise<{ key: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).key };
}

export default async function ProjectQueuePage({ params }: Props) {
  const { project } = await loadProjectForPage((await params).key);
  return (
    <>
      <PageHeader
        title={
          <>
            <span className="mr-2 font-mono text-base text-slate-500">{project.key}</span>
            {project.name}
          </>
        }
        description={project.description || undefined}
        actions={
          project.role === 'admin' ? (
            <Link href={`/projects/${project.key}/settings`} className={buttonClass('secondary')}>
              Project settings
            </Link>
          ) : null
        }
      />
      <h2 className="mb-3 text-lg font-semibold">Queue</h2>
      <EmptyState title="No requests yet">
        Requests appear here as soon as customers email this project.
        {project.role === 'admin' ? ' Connect the project’s support mailbox in Project settings.' : ''}
      </EmptyState>
    </>
  );
}
