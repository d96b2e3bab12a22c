import { SENDER_RATE_LIMIT_PER_HOUR } from './apply-sender-policy';

/** What became of an inbound message, as data: code reads `kind`, never the words. */
export type InboundOutcome =
  | { kind: 'request_created'; requestId: string; requestKey: string }
  | { kind: 'comment_added'; requestId: string; requestKey: string }
  | { kind: 'not_a_reply' }
  | { kind: 'sender_over_rate_limit' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'failed'; reason: string };

export type InboundStatus = 'processed' | 'ignored' | 'rejected' | 'failed';

export function inboundStatusOf(outcome: InboundOutcome): InboundStatus {
  switch (outcome.kind) {
    case 'request_created':
    case 'comment_added':
      return 'processed';
    case 'not_a_reply':
    case 'ignored':
      return 'ignored';
    case 'sender_over_rate_limit':
    case 'rejected':
      return 'rejected';
    case 'failed':
      return 'failed';
  }
}

/** The words the email log shows for an outcome: the one place they are written. */
export function describeInboundOutcome(outcome: InboundOutcome): string {
  switch (outcome.kind) {
    case 'request_created':
      return `Request created ${outcome.requestKey}`;
    case 'comment_added':
      return `Comment added to ${outcome.requestKey}`;
    case 'not_a_reply':
      return 'Ignored: not a reply, and this mail handler does not create requests';
    case 'sender_over_rate_limit':
      return `Rejected: sender over the rate limit (${SENDER_RATE_LIMIT_PER_HOUR} requests per hour)`;
    case 'ignored':
      return `Ignored: ${outcome.reason}`;
    case 'rejected':
      return `Rejected: ${outcome.reason}`;
    case 'failed':
      return `Failed: ${outcome.reason}`;
  }
}

/** The columns of `inbound_messages` that record an outcome. */
export function inboundOutcomeColumns(outcome: InboundOutcome): { status: InboundStatus; outcome: string; requestId: string | null } {
  return { status: inboundStatusOf(outcome), outcome: describeInboundOutcome(outcome), requestId: 'requestId' in outcome ? outcome.requestId : null };
}
