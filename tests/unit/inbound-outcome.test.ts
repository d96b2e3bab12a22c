import { describe, expect, it } from 'vitest';
import { SENDER_RATE_LIMIT_PER_HOUR } from '@/lib/ingest/apply-sender-policy';
import { describeInboundOutcome, inboundOutcomeColumns } from '@/lib/ingest/inbound-outcome';

describe('inbound outcomes', () => {
  it('word the email log from the data, the rate limit from its constant', () => {
    expect(describeInboundOutcome({ kind: 'sender_over_rate_limit' })).toBe(
      `Rejected: sender over the rate limit (${SENDER_RATE_LIMIT_PER_HOUR} requests per hour)`,
    );
    expect(describeInboundOutcome({ kind: 'comment_added', requestId: 'r', requestKey: 'SD-4' })).toBe('Comment added to SD-4');
  });

  it('record the status and the request an outcome names', () => {
    expect(inboundOutcomeColumns({ kind: 'request_created', requestId: 'r', requestKey: 'SD-1' })).toEqual({
      status: 'processed',
      outcome: 'Request created SD-1',
      requestId: 'r',
    });
    expect(inboundOutcomeColumns({ kind: 'not_a_reply' })).toMatchObject({ status: 'ignored', requestId: null });
    expect(inboundOutcomeColumns({ kind: 'failed', reason: 'x' })).toEqual({ status: 'failed', outcome: 'Failed: x', requestId: null });
  });
});
