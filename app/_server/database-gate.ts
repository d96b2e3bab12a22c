import type { IncomingMessage, ServerResponse } from 'node:http';
import { getDatabase } from '@/db/client';
import { log } from '@/lib/log';
import { checkDatabase } from '@/lib/system/check-database';

/** After a check that found the database, pages go straight through for this long. */
const TRUSTED_FOR_MS = 1_000;

/** Pages a person opens; not Next's assets, not API routes (health answers for itself). */
function isPage(request: IncomingMessage): boolean {
  const path = request.url ?? '/';
  return (request.method === 'GET' || request.method === 'HEAD') && !/^\/(_next|api)\//.test(path) && path !== '/favicon.ico';
}

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Database unavailable · Intake</title>
<style>body{font-family:system-ui,sans-serif;background:#f8fafc;color:#0f172a;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}
main{max-width:28rem;background:#fff;border:1px solid #e2e8f0;border-radius:.75rem;padding:2rem}p.brand{color:#4f46e5;font-weight:600;font-size:.875rem}h1{font-size:1.5rem;margin:.25rem 0 1rem}</style>
</head><body><main><p class="brand">Intake</p><h1>The database is unavailable</h1>
<p>Intake cannot reach its database just now. Nothing you have done is lost: Intake will keep retrying; reload in a moment.</p></main></body></html>`;

/**
 * Answers page requests with a plain "database unavailable" page (HTTP 503) while the database
 * cannot be reached, rather than letting Next.js render them into an error. Decided here, on the
 * server, as Next.js gives an error boundary only a digest and every page a 500.
 */
export function withDatabaseGate(listener: (request: IncomingMessage, response: ServerResponse) => unknown) {
  let trustedUntil = 0;
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!isPage(request) || Date.now() < trustedUntil) {
      await listener(request, response);
      return;
    }
    const check = await checkDatabase(await getDatabase()).catch((error: unknown) => {
      // Not a question of reaching it: the page itself will say what is wrong.
      log.warn('web.database_check_failed', { error });
      return { reachable: true } as const;
    });
    if (check.reachable) {
      trustedUntil = Date.now() + TRUSTED_FOR_MS;
      await listener(request, response);
      return;
    }
    log.warn('web.database_unavailable', { code: check.code });
    response.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '5' });
    response.end(request.method === 'HEAD' ? undefined : page);
  };
}
