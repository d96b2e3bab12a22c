import { ANSWER_TOKEN_DAYS } from '@/lib/notifications/answer-token';
import { SENDER_RATE_LIMIT_PER_HOUR } from './apply-sender-policy';

/** Why an agent's answer to a notification email was not filed. */
export type AnswerRefusal = 'forged_token' | 'expired_token' | 'already_answered' | 'not_the_recipient' | 'no_access' | 'empty' | 'nobody_to_email';

const ANSWER_REFUSAL_WORDS: Record<AnswerRefusal, string> = {
  forged_token: 'it answers a notification Intake did not send',
  expired_token: `it answers a notification older than ${ANSWER_TOKEN_DAYS} days`,
  already_answered: 'that notification was answered by email already',
  not_the_recipient: 'it does not come from the agent the notification was sent to',
  no_access: 'the agent may no longer work on this request',
  empty: 'the answer has no text above the quoted notification',
  nobody_to_email: 'the request has no customer address to send a reply to',
};

/** What became of an inbound message, as data: code reads `kind`, never the words. */
export type InboundOutcome =
  | { kind: 'request_created'; requestId: string; requestKey: string }
  | { kind: 'comment_added'; requestId: string; requestKey: string }
  | { kind: 'agent_answered'; requestId: string; requestKey: string; agentEmail: string; internal: boolean }
  | { kind: 'answer_refused'; reason: AnswerRefusal }
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
    case 'agent_answered':
      return 'processed';
    case 'not_a_reply':
    case 'ignored':
      return 'ignored';
    case 'sender_over_rate_limit':
    case 'rejected':
    case 'answer_refused':
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
    case 'agent_answered':
      return `${outcome.internal ? 'Internal note' : 'Reply to customer'} by ${outcome.agentEmail} added to ${outcome.requestKey}, answering a notification`;
    case 'answer_refused':
      return `Rejected: an answer to a notification, not filed because ${ANSWER_REFUSAL_WORDS[outcome.reason]}`;
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
