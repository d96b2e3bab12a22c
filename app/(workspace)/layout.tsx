import Link from 'next/link';
import type { ReactNode } from 'react';
import { MailboxAlerts } from '@/app/_components/mailbox-alerts';
import { NavLink } from '@/app/_components/nav-link';
import { requireActor } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { listProjects } from '@/lib/projects/list-projects';
import { signOutAction } from './actions';

export default async function WorkspaceLayout({ children }: { children: ReactNode }) {
  const actor = await requireActor();
  const db = await getDb();
  const projects = await listProjects({ db, actor });
  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex items-center justify-between border-b border-slate-200 bg-white px-6 py-3">
        <Link href="/projects" className="text-lg font-semibold text-brand-700">
          Intake
        </Link>
        <div className="flex items-center gap-4 text-sm">
          <span data-testid="signed-in-user">
            <span className="font-medium">{actor.name}</span> <span className="text-slate-500">{actor.email}</span>
            {actor.isSystemAdmin ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">System admin</span> : null}
          </span>
          <Link href="/profile" className="text-brand-700 hover:underline">
            Profile
          </Link>
          <form action={signOutAction}>
            <button type="submit" className="rounded-md border border-slate-300 px-3 py-1 text-slate-700 hover:bg-slate-50">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <MailboxAlerts db={db} actor={actor} />
      <div className="flex flex-1">
        <nav aria-label="Main" className="w-60 shrink-0 space-y-6 border-r border-slate-200 bg-white px-3 py-5">
          <div className="space-y-1">
            <NavLink href="/projects" exact>
              <span className="text-xs font-semibold uppercase tracking-wide text-slate-500">Projects</span>
            </NavLink>
            {projects.map((project) => (
              <NavLink key={project.id} href={`/projects/${project.key}`}>
                <span className="mr-2 font-mono text-xs text-slate-500">{project.key}</span>
                {project.name}
              </NavLink>
            ))}
            {projects.length === 0 ? <p className="px-3 text-xs text-slate-500">No projects yet.</p> : null}
          </div>
          {actor.isSystemAdmin ? (
            <div className="space-y-1">
              <p className="px-3 text-xs font-semibold uppercase tracking-wide text-slate-500">Administration</p>
              <NavLink href="/admin/users">Users</NavLink>
              <NavLink href="/admin/projects">Projects</NavLink>
              <NavLink href="/admin/system">System</NavLink>
            </div>
          ) : null}
        </nav>
        <main className="min-w-0 flex-1 px-8 py-6">{children}</main>
      </div>
    </div>
  );
}
