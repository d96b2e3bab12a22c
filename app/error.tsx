'use client';

import { CenteredCard } from './_components/centered-card';

/**
 * What a page that failed while rendering shows instead of Next.js's own error screen. Only the
 * digest reaches the browser; the server's log has the rest under it. A database that cannot be
 * reached is answered earlier, on the server (app/_server/database-gate.ts).
 */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <CenteredCard
      title="Something went wrong"
      intro="Intake could not show this page. Try again in a moment; if it keeps failing, tell your administrator the reference below."
    >
      <p className="text-xs text-slate-500">Reference: {error.digest ?? 'none'}</p>
      <button type="button" onClick={reset} className="rounded-md border border-slate-300 px-3 py-1 text-sm text-slate-700 hover:bg-slate-50">
        Try again
      </button>
    </CenteredCard>
  );
}
