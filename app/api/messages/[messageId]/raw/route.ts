import type { NextRequest } from 'next/server';
import { downloadHeaders, respondWithFile } from '@/app/_server/download';
import { requestContext } from '@/app/_server/session';
import { getInboundRaw } from '@/lib/ingest/get-inbound-raw';

/** The original email: downloaded as .eml, or shown as plain text with `?view=source`. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ messageId: string }> }): Promise<Response> {
  const { messageId } = await params;
  const asSource = request.nextUrl.searchParams.get('view') === 'source';
  return respondWithFile(async () => {
    const { raw } = await getInboundRaw({ ...(await requestContext()), messageId });
    const headers = asSource ? downloadHeaders('original.txt', 'text/plain; charset=utf-8', 'inline') : downloadHeaders('original.eml', 'message/rfc822');
    return new Response(new Uint8Array(raw), { headers });
  });
}
