import type { ParsedEmail } from './parsed-email';

export type AutomatedMailKind = 'auto-reply' | 'bounce' | 'bulk' | 'mailing-list' | 'delivery-report';

export interface AutomatedMail {
  kind: AutomatedMailKind;
  /** A short phrase for the Email log. */
  reason: string;
}

/** The Exchange values that mark a message nobody should answer (MS-OXCMAIL 2.2.3.2.20). */
const SUPPRESSED_RESPONSES = new Set(['dr', 'ndr', 'rn', 'nrn', 'oof', 'autoreply', 'all']);
const BOUNCE_SENDERS = new Set(['mailer-daemon', 'postmaster']);

/** A header value without comments and parameters: `auto-replied (vacation); x=1` → `auto-replied`. */
const tokenOf = (value: string) =>
  value
    .replace(/\([^()]*\)/g, ' ')
    .split(';')[0]!
    .trim();

const shown = (value: string) => (value.length > 80 ? `${value.slice(0, 80)}…` : value);

function reportKind(contentType: string): AutomatedMail | null {
  if (tokenOf(contentType) !== 'multipart/report') return null;
  if (contentType.includes('disposition-notification')) return { kind: 'delivery-report', reason: 'read receipt (multipart/report)' };
  if (contentType.includes('delivery-status')) return { kind: 'delivery-report', reason: 'delivery status notification (multipart/report)' };
  return { kind: 'delivery-report', reason: 'automatic report (multipart/report)' };
}

/**
 * Whether a message was sent by a machine rather than a person, so that it neither opens
 * a request nor gets an automatic answer (RFC 3834 and what mail systems really send).
 * Null for mail from a person.
 */
export function classifyAutomatedMail(email: ParsedEmail): AutomatedMail | null {
  const { headers } = email;
  const report = reportKind(headers.contentType);
  if (report) return report;

  const localPart = email.from?.address.split('@')[0];
  if (localPart && BOUNCE_SENDERS.has(localPart)) return { kind: 'bounce', reason: `sent by ${localPart.toUpperCase()}` };

  const autoSubmitted = tokenOf(headers.autoSubmitted ?? '');
  if (autoSubmitted && autoSubmitted !== 'no') return { kind: 'auto-reply', reason: `Auto-Submitted: ${shown(autoSubmitted)}` };
  if (headers.xAutoreply) return { kind: 'auto-reply', reason: `X-Autoreply: ${shown(headers.xAutoreply)}` };
  if (headers.xAutorespond) return { kind: 'auto-reply', reason: `X-Autorespond: ${shown(headers.xAutorespond)}` };
  const suppress = headers.xAutoResponseSuppress ?? '';
  if (suppress.split(/[\s,]+/).some((value) => SUPPRESSED_RESPONSES.has(value))) {
    return { kind: 'auto-reply', reason: `X-Auto-Response-Suppress: ${shown(suppress)}` };
  }

  const precedence = tokenOf(headers.precedence ?? '');
  if (precedence === 'list') return { kind: 'mailing-list', reason: 'Precedence: list' };
  if (precedence === 'bulk' || precedence === 'junk') return { kind: 'bulk', reason: `Precedence: ${precedence}` };
  if (headers.listId) return { kind: 'mailing-list', reason: `List-Id: ${shown(headers.listId)}` };

  // Bounces and RFC 3834 auto-replies are sent with a null reverse path.
  if (headers.returnPath?.replace(/\s+/g, '') === '<>') return { kind: 'bounce', reason: 'Return-Path: <> (null sender)' };
  return null;
}
