import { backoffDelayMs } from '@/lib/runtime/backoff-delay';

/**
 * A provider saying "not now, you are over a limit": Exchange Online's throttling and submission
 * quotas, Gmail's bandwidth and sending limits. Retrying soon only extends the penalty (Exchange
 * lengthens its backoff with every early attempt), so the mailbox pauses instead of failing.
 */
export interface ProviderThrottle {
  /** `quota`: a daily allowance is used up (hours); `rate`: too much too fast (minutes). */
  kind: 'quota' | 'rate';
  /** The provider's own words, shown to admins as they were given. */
  words: string;
  /** How long the provider asked Intake to wait, when it said. */
  suggestedWaitMs: number | null;
}

interface ErrorLike {
  serverResponseCode?: string;
  responseText?: string;
  /** nodemailer: the SMTP reply line, e.g. "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded". */
  response?: string;
  responseCode?: number;
  /** MailConnectionError: the server's words it was built from. */
  serverMessage?: string;
  cause?: unknown;
}

/** IMAP response codes of limits: RFC 5530's OVERQUOTA and LIMIT (Gmail uses OVERQUOTA for its daily bandwidth), and THROTTLED. */
const IMAP_LIMIT_CODE = /^(OVERQUOTA|LIMIT|THROTTLED)$/i;
const IMAP_LIMIT_CODE_IN_TEXT = /\[(OVERQUOTA|LIMIT|THROTTLED)\]/i;
/** SMTP enhanced status codes of a sender over its limits: 4.3.2 (Exchange throttling), 4.7.0 with limit words, 5.4.5 (Gmail's daily sending quota). */
const SMTP_LIMIT_STATUS = /\b(4\.3\.2|5\.4\.5)\b/;
const LIMIT_WORDS =
  /throttl|bandwidth|rate limit|sending limit|quota exceeded|SubmissionQuotaExceeded|sender thread limit|too many (simultaneous|concurrent)? ?(connections|messages|emails|requests|login)|maximum number of connections|exceeded (the )?(command|message|sending|rate)|try again later/i;
const QUOTA_WORDS = /quota|daily|per day|bandwidth|OVERQUOTA|5\.4\.5/i;
/** Exchange Online's own hint, as in "Request is throttled. Suggested Backoff Time: 159921 milliseconds". */
const SUGGESTED_BACKOFF = /Suggested Backoff Time:\s*(\d+)\s*milli/i;

function wordsOf(error: unknown): { code: string; text: string } {
  const detail = (error ?? {}) as ErrorLike;
  const cause = detail.cause && typeof detail.cause === 'object' ? (detail.cause as ErrorLike) : {};
  const text = (detail.serverMessage ?? detail.responseText ?? detail.response ?? cause.responseText ?? cause.response ?? '').trim();
  return { code: detail.serverResponseCode ?? cause.serverResponseCode ?? '', text };
}

/** The throttle in a mail server's answer (IMAP, POP3 or SMTP), or null if it is no such answer. */
export function recognizeProviderThrottle(error: unknown): ProviderThrottle | null {
  const { code, text } = wordsOf(error);
  const limited = IMAP_LIMIT_CODE.test(code) || IMAP_LIMIT_CODE_IN_TEXT.test(text) || SMTP_LIMIT_STATUS.test(text) || LIMIT_WORDS.test(text);
  if (!limited || !text) return null;
  const suggested = SUGGESTED_BACKOFF.exec(text);
  // imapflow takes the response code out of the text; admins search for the provider's whole answer.
  const words = code && !text.includes(`[${code}]`) ? `[${code}] ${text}` : text;
  return {
    kind: QUOTA_WORDS.test(`${code} ${text}`) ? 'quota' : 'rate',
    words,
    suggestedWaitMs: suggested ? Number(suggested[1]) : null,
  };
}

const MINUTE = 60_000;
const BASE_PAUSE_MS = { rate: 5 * MINUTE, quota: 60 * MINUTE } as const;
const MIN_PAUSE_MS = 1_000;
const MAX_PAUSE_MS = 24 * 60 * MINUTE;

/**
 * How long to leave the provider alone: what it suggested, else a base pause doubled for each
 * throttling answer in a row before this one (an early retry that is throttled again waits longer).
 */
export function providerPauseMs(throttle: ProviderThrottle, throttlesBefore: number): number {
  const pause = throttle.suggestedWaitMs ?? backoffDelayMs(BASE_PAUSE_MS[throttle.kind], throttlesBefore, MAX_PAUSE_MS);
  return Math.min(Math.max(pause, MIN_PAUSE_MS), MAX_PAUSE_MS);
}
