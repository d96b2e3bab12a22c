import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { getEnv } from '@/lib/env';
import { isUuid } from '@/lib/validation';

/** How long a notification can be answered by email. */
export const ANSWER_TOKEN_DAYS = 14;

const MESSAGE_ID = /^intake-answer\.([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{22})@/i;

function macOf(notificationId: string, issuedSeconds: number): string {
  // A key of its own, derived from the secret key, so a MAC can never be mistaken for anything sealed with it.
  const key = Buffer.from(hkdfSync('sha256', getEnv().INTAKE_SECRET_KEY, 'intake', 'notification answers v1', 32));
  return createHmac('sha256', key).update(`${notificationId}.${issuedSeconds}`).digest('base64url').slice(0, 22);
}

/**
 * The Message-ID of a notification email, which carries what answering it needs: the
 * notification, when it was sent, and a MAC only Intake can make. Mail clients put it in the
 * In-Reply-To and References of the answer.
 */
export function answerMessageId(notificationId: string, issuedAt: Date, domain: string): string {
  const issued = Math.floor(issuedAt.getTime() / 1000);
  return `intake-answer.${notificationId}.${issued}.${macOf(notificationId, issued)}@${domain}`;
}

export type AnswerToken = { status: 'valid'; notificationId: string } | { status: 'forged' } | { status: 'expired' };

/** The answer token among the Message-IDs an email refers to; null when it refers to none. */
export function readAnswerToken(messageIds: readonly string[], now: Date): AnswerToken | null {
  const found = messageIds.map((id) => MESSAGE_ID.exec(id)).find((match) => match !== null);
  if (!found) return null;
  const [, notificationId = '', issuedText = '', mac = ''] = found;
  const issued = Number(issuedText);
  const expected = isUuid(notificationId) ? macOf(notificationId.toLowerCase(), issued) : '';
  if (expected.length !== mac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(mac))) return { status: 'forged' };
  if (now.getTime() > (issued + ANSWER_TOKEN_DAYS * 86_400) * 1000) return { status: 'expired' };
  return { status: 'valid', notificationId: notificationId.toLowerCase() };
}
