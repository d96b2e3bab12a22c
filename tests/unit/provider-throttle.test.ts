import { describe, expect, it } from 'vitest';
import { classifyMailError } from '@/lib/mail/mail-error';
import { providerPauseMs, recognizeProviderThrottle } from '@/lib/mail/provider-throttle';

// The shapes the mail libraries give these answers: nodemailer's `response`, imapflow's
// `responseText` with the code taken out into `serverResponseCode`, the POP3 client's `responseText`.
const smtp = (response: string) => Object.assign(new Error('Message failed'), { code: 'EENVELOPE', responseCode: Number(response.slice(0, 3)), response });
const imap = (responseText: string, serverResponseCode?: string) => Object.assign(new Error('Command failed'), { responseText, serverResponseCode });

describe('recognizeProviderThrottle', () => {
  it.each([
    ['Exchange throttling', smtp('432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded'), 'rate'],
    ['Exchange daily recipients', smtp('554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message'), 'quota'],
    ['Gmail daily sending', smtp('550 5.4.5 Daily user sending quota exceeded.'), 'quota'],
    ['Gmail rate', smtp('421 4.7.0 Try again later, closing connection.'), 'rate'],
    ['Gmail bandwidth', imap('Account exceeded command or bandwidth limits. (Failure)', 'OVERQUOTA'), 'quota'],
    ['Exchange IMAP', imap('Request is throttled. Suggested Backoff Time: 159921 milliseconds'), 'rate'],
    ['Gmail connections', imap('[ALERT] Too many simultaneous connections. (Failure)'), 'rate'],
  ])('%s', (_, error, kind) => {
    expect(recognizeProviderThrottle(error)).toMatchObject({ kind });
  });

  it('keeps the provider’s words, with the IMAP response code put back', () => {
    expect(recognizeProviderThrottle(imap('Account exceeded command or bandwidth limits. (Failure)', 'OVERQUOTA'))?.words).toBe(
      '[OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)',
    );
    expect(recognizeProviderThrottle(imap('Request is throttled. Suggested Backoff Time: 159921 milliseconds'))?.suggestedWaitMs).toBe(159_921);
  });

  it.each([
    ['a refused login', imap('Invalid credentials (Failure)', 'AUTHENTICATIONFAILED')],
    ['a recipient’s full mailbox', smtp('552 5.2.2 The email account that you tried to reach is over quota.')],
    ['an unknown recipient', smtp('550 5.1.1 The email account that you tried to reach does not exist.')],
    ['a network error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
  ])('is not %s', (_, error) => {
    expect(recognizeProviderThrottle(error)).toBeNull();
  });

  it('comes before the login checks: Gmail refuses a login over its bandwidth with a NO', () => {
    const refused = Object.assign(imap('Account exceeded command or bandwidth limits. (Failure)', 'OVERQUOTA'), { authenticationFailed: true });
    expect(classifyMailError(refused, { host: 'imap.gmail.com', port: 993, usesOAuth: true }).kind).toBe('throttled');
  });
});

describe('providerPauseMs', () => {
  const rate = { kind: 'rate', words: 'x', suggestedWaitMs: null } as const;
  it('takes the provider’s suggestion, within a second and a day', () => {
    expect(providerPauseMs({ ...rate, suggestedWaitMs: 4_000 }, 3)).toBe(4_000);
    expect(providerPauseMs({ ...rate, suggestedWaitMs: 10 }, 0)).toBe(1_000);
    expect(providerPauseMs({ ...rate, suggestedWaitMs: 10 ** 10 }, 0)).toBe(24 * 3_600_000);
  });

  it('otherwise five minutes for a rate and an hour for a quota, doubled for each throttle in a row', () => {
    expect(providerPauseMs(rate, 0)).toBe(300_000);
    expect(providerPauseMs(rate, 2)).toBe(1_200_000);
    expect(providerPauseMs({ ...rate, kind: 'quota' }, 0)).toBe(3_600_000);
    expect(providerPauseMs({ ...rate, kind: 'quota' }, 9)).toBe(24 * 3_600_000);
  });
});
