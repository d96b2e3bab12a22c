import { describe, expect, it } from 'vitest';
import { classifyMailError } from '@/lib/mail/mail-error';

const context = { host: 'imap.example.test', port: 993, usesOAuth: true };
const failure = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('classifyMailError', () => {
  it('reads a reset during the TLS handshake as a lost connection, not a certificate problem', () => {
    const error = classifyMailError(failure('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'), context);
    expect(error.kind).toBe('unreachable');
    expect(error.message).toBe('The connection to the mail server at imap.example.test:993 was lost (ECONNRESET).');
  });

  it('still names a certificate that cannot be verified', () => {
    const error = classifyMailError(failure('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), context);
    expect(error.kind).toBe('tls');
  });

  it('tells a closed port from a host that cannot be resolved', () => {
    expect(classifyMailError(failure('connect ECONNREFUSED', 'ECONNREFUSED'), context).message).toMatch(
      /cannot be reached \(ECONNREFUSED\)\. Check the host and port\./,
    );
    expect(classifyMailError(failure('getaddrinfo ENOTFOUND', 'ENOTFOUND'), context).message).toBe(
      'The host name imap.example.test cannot be resolved (ENOTFOUND).',
    );
  });
});

describe('classifyMailError on a temporary login failure', () => {
  it('retries, and never asks to re-authorize, when the server could not check the token just now', () => {
    const pop3 = classifyMailError(
      Object.assign(new Error('The POP3 server refused: [SYS/TEMP] Temporary authentication failure.'), {
        responseText: '[SYS/TEMP] Temporary authentication failure.',
      }),
      context,
    );
    expect(pop3.kind).toBe('unavailable');
    expect(pop3.message).toMatch(/cannot log in to the mailbox just now .*Intake will retry\.$/);
    const imap = classifyMailError(
      Object.assign(new Error('Command failed'), {
        authenticationFailed: true,
        serverResponseCode: 'UNAVAILABLE',
        responseText: 'Temporary authentication failure.',
      }),
      context,
    );
    expect(imap.kind).toBe('unavailable');
  });
});
