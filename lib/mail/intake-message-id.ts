import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { getEnv } from '@/lib/env';
import { isUuid } from '@/lib/validation';

/**
 * Message-IDs of the mail Intake sends carry the request they belong to, signed, so a
 * customer's reply threads back even when its subject lost the key and our records of the
 * sent message are gone: `intake.<request id>.<nonce>.<signature>@<domain>`.
 */
function signingKey(): Buffer {
  return Buffer.from(hkdfSync('sha256', getEnv().INTAKE_SECRET_KEY, 'intake', 'intake message ids v1', 32));
}

function signature(requestId: string, nonce: string): string {
  return createHmac('sha256', signingKey()).update(`${requestId}.${nonce}`).digest('base64url').slice(0, 22);
}

export function intakeMessageId(requestId: string, domain: string): string {
  const nonce = randomBytes(9).toString('base64url');
  return `intake.${requestId}.${nonce}.${signature(requestId, nonce)}@${domain}`;
}

const PATTERN = /^intake\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{22})@/;

/** The request a Message-ID of ours names, if its signature holds. */
export function requestIdFromIntakeMessageId(messageId: string): string | null {
  const match = PATTERN.exec(messageId);
  if (!match || !isUuid(match[1])) return null;
  const [, requestId, nonce, given] = match;
  const expected = Buffer.from(signature(requestId!, nonce!));
  const actual = Buffer.from(given!);
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? requestId! : null;
}
