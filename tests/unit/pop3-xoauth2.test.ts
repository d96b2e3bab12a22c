import { describe, expect, it } from 'vitest';
import { describeXoauth2Challenge, xoauth2InitialResponse } from '@/lib/mail/pop3/xoauth2';

describe('XOAUTH2', () => {
  it('builds the initial response: base64("user=" + user + "\\x01auth=Bearer " + token + "\\x01\\x01")', () => {
    const response = xoauth2InitialResponse('someuser@example.com', 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg');
    expect(Buffer.from(response, 'base64').toString()).toBe('user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01');
  });

  it('decodes the JSON error a server sends as a challenge, on one line', () => {
    // What Dovecot 2.3 sends for a revoked token.
    expect(describeXoauth2Challenge('eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=')).toBe(
      'XOAUTH2 {"status":"401","schemes":"bearer","scope":"mail"}',
    );
    expect(describeXoauth2Challenge(Buffer.from('{\n  "status": "400"\n}').toString('base64'))).toBe('XOAUTH2 {"status":"400"}');
    expect(describeXoauth2Challenge(Buffer.from('not json\r\n\x00here').toString('base64'))).toBe('XOAUTH2 not json here');
  });
});
