import { createServer } from 'node:http';
import next from 'next';
import { getEnv } from '@/lib/env';
import { withClientAddress } from '@/lib/net/client-address';
import { withDatabaseGate } from './database-gate';

/**
 * Intake's HTTP server: Next.js behind a plain Node server that works out each request's client
 * address from the socket and the trusted proxies, because Next.js gives pages only the headers,
 * and a client writes `X-Forwarded-For` as it likes; and that answers pages with a "database
 * unavailable" page while the database cannot be reached.
 */
async function serve(): Promise<void> {
  const env = getEnv();
  const app = next({ dev: false, dir: process.cwd(), port: env.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();
  createServer(withClientAddress(env.TRUSTED_PROXIES, withDatabaseGate(handle)))
    .on('error', (error) => {
      console.error(`Intake cannot serve on port ${env.PORT}: ${error.message}`);
      process.exit(1);
    })
    .listen(env.PORT);
}

serve().catch((error: unknown) => {
  console.error('Intake could not start its web server:', error);
  process.exit(1);
});
