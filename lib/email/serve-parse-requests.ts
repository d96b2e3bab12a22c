import type { MessagePort } from 'node:worker_threads';
import { decodeEmail } from './decode-email';
import type { ParseRequest, ParseResponse } from './parse-in-worker';
import { EmailParseError, type ParsedEmail } from './parsed-email';

/**
 * Attachment bytes move to the calling thread instead of being copied. Only buffers an
 * attachment owns whole are moved: a slice of Node's shared pool cannot be.
 */
function ownedBuffers(email: ParsedEmail): ArrayBuffer[] {
  const owned = new Set<ArrayBuffer>();
  for (const { content } of email.attachments) {
    if (content.byteOffset === 0 && content.byteLength === content.buffer.byteLength && content.buffer instanceof ArrayBuffer) owned.add(content.buffer);
  }
  return [...owned];
}

function failure(error: unknown): ParseResponse {
  if (error instanceof EmailParseError) return { refused: error.reason };
  return { failed: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

/** The worker-thread side of `parseInWorker`: answers each request on `port`. */
export function serveParseRequests(port: MessagePort): void {
  port.on('message', async ({ raw, limits }: ParseRequest) => {
    try {
      const email = await decodeEmail(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), limits);
      port.postMessage({ email } satisfies ParseResponse, ownedBuffers(email));
    } catch (error) {
      port.postMessage(failure(error));
    }
  });
}
