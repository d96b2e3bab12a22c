import { getDatabase } from '@/db/client';
import { getHealth } from '@/lib/system/get-health';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const health = await getHealth(await getDatabase());
  return Response.json(health, {
    status: health.status === 'ok' ? 200 : 503,
    headers: { 'Cache-Control': 'no-store' },
  });
}
