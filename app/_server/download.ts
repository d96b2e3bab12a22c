import { NotFoundError } from '@/lib/errors';

/**
 * Headers for files that came from strangers' email: always a download, never sniffed,
 * sandboxed if a browser renders it anyway.
 */
export function downloadHeaders(filename: string, contentType: string, disposition: 'attachment' | 'inline' = 'attachment'): HeadersInit {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return {
    'Content-Type': contentType,
    'Content-Disposition': `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, no-store',
  };
}

/** Unknown files and files of other projects look the same: 404. */
export async function respondWithFile(load: () => Promise<Response>): Promise<Response> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof NotFoundError) return new Response('Not found', { status: 404, headers: { 'Cache-Control': 'no-store' } });
    throw error;
  }
}
