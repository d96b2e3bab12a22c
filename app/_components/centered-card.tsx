import type { ReactNode } from 'react';

/** The frame for pages shown before anyone is signed in. */
export function CenteredCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-md space-y-6 rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <div className="space-y-2">
          <p className="text-sm font-semibold tracking-wide text-brand-600">Intake</p>
          <h1 className="text-2xl font-semibold">{title}</h1>
          {intro ? <div className="text-sm text-slate-600">{intro}</div> : null}
        </div>
        {children}
      </div>
    </main>
  );
}
