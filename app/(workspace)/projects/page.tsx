import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, PageHeader } from '@/app/_components/page-header';
import { requireActor } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { listProjects } from '@/lib/projects/list-projects';

export const metadata: Metadata = { title: 'Projects' };

export default async function ProjectsPage() {
  const actor = await requireActor();
  const projects = await listProjects({ db: await getDb(), actor });
  return (
    <>
      <PageHeader title="Projects" description="Service-desk projects you work in." />
      {projects.length === 0 ? (
        <EmptyState title="No projects yet">
          {actor.isSystemAdmin ? (
            <Link className="text-brand-700 underline" href="/admin/projects">
              Create the first project in Administration › Projects.
            </Link>
          ) : (
            'Ask a system admin to add you to a project.'
          )}
        </EmptyState>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {projects.map((project) => (
            <li key={project.id}>
              <Link href={`/projects/${project.key}`} className="block h-full rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-brand-600">
                <p className="font-mono text-xs text-slate-500">{project.key}</p>
                <p className="mt-1 font-semibold">{project.name}</p>
                {project.description ? <p className="mt-2 line-clamp-2 text-sm text-slate-600">{project.description}</p> : null}
                <p className="mt-3 text-xs text-slate-500">{project.role === 'admin' ? 'Project admin' : 'Agent'}</p>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
