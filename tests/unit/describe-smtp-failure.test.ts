import { describe, expect, it } from 'vitest';
import { describeSmtpFailure } from '@/lib/mail/smtp/describe-smtp-failure';

const endpoint = { host: 'smtp.acme.test', port: 2525, security: 'starttls' as const };
const failure = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

describe('describeSmtpFailure', () => {
  it('names the server and the setting to check when the server cannot be reached', () => {
    expect(describeSmtpFailure(failure('connect ECONNREFUSED 10.0.0.1:2525', { code: 'ESOCKET' }), endpoint)).toBe(
      'The SMTP server smtp.acme.test:2525 cannot be reached (connect ECONNREFUSED 10.0.0.1:2525). Check the SMTP host and port under Outgoing mail (SMTP).',
    );
  });

  it('does not suggest TLS for a missing greeting when TLS was already used', () => {
    expect(describeSmtpFailure(failure('Greeting never received', { code: 'ETIMEDOUT' }), { ...endpoint, security: 'tls' })).toBe(
      'The SMTP server smtp.acme.test:2525 sent no greeting over TLS. Check the SMTP host and port under Outgoing mail (SMTP).',
    );
  });

  it('keeps the server’s words for a refused login on one line', () => {
    expect(describeSmtpFailure(failure('Invalid login: 535 5.7.8\r\nAuthentication failed', { code: 'EAUTH', responseCode: 535 }), endpoint)).toBe(
      'The SMTP server smtp.acme.test:2525 refused the login (535): Invalid login: 535 5.7.8 Authentication failed',
    );
  });

  it('points an OAuth 2.0 mailbox whose login is refused at the send scope and Authorize', () => {
    expect(
      describeSmtpFailure(failure('Invalid login: 535 5.7.3 Authentication unsuccessful', { code: 'EAUTH', responseCode: 535 }), endpoint, 'oauth'),
    ).toMatch(
      /^The SMTP server smtp\.acme\.test:2525 refused the login \(535\): Invalid login: 535 5\.7\.3 Authentication unsuccessful\. The authorization may not allow sending: .*https:\/\/outlook\.office\.com\/SMTP\.Send.*then Authorize again\.$/,
    );
  });

  it('says which permission to grant when a member may not send as the shared mailbox or alias', () => {
    const sendingAs = { login: 'alice@acme.test', sender: 'support@acme.test' };
    const exchange = failure('Message failed: 554 5.2.252 SendAsDenied; alice@acme.test not allowed to send as support@acme.test', {
      code: 'EMESSAGE',
      responseCode: 554,
      response: '554 5.2.252 SendAsDenied; alice@acme.test not allowed to send as support@acme.test',
    });
    expect(describeSmtpFailure(exchange, endpoint, 'oauth', sendingAs)).toMatch(
      /^The SMTP server smtp\.acme\.test:2525 did not let alice@acme\.test send as support@acme\.test \(554\)\. .*give alice@acme\.test Send As; .*Send mail as\./,
    );
    const refusedSender = failure('Mail command failed: 553 not owned by user', { code: 'EENVELOPE', responseCode: 553, response: '553 not owned by user' });
    expect(describeSmtpFailure(refusedSender, endpoint, 'oauth', sendingAs)).toContain('did not let alice@acme.test send as support@acme.test (553)');
    // Sending as oneself, the same refusal is not about a permission to grant.
    expect(describeSmtpFailure(refusedSender, endpoint, 'oauth')).not.toContain('Send As');
  });
});
