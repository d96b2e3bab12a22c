import { DrizzleQueryError } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from '@/lib/log';

function capturedStderr(): () => string {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  return () => lines.join('');
}

describe('log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes a failed statement without its text or parameters', () => {
    const output = capturedStderr();
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), { code: '23505' });
    const error = new DrizzleQueryError('insert into users (email, password_hash) values ($1, $2)', ['a@acme.test', '$argon2id$v=19$secret-hash'], cause);
    log.error('action.failed', { error, nested: { error } });
    const line = output();
    expect(line).toContain('The database refused a statement (23505)');
    expect(line).not.toMatch(/argon2id|password_hash|insert into/);
  });

  it('redacts fields named like secrets at any depth', () => {
    const output = capturedStderr();
    log.warn('oauth.refresh_failed', { mailbox: { accessToken: 'ya29.live-token', host: 'imap.acme.test' } });
    const line = output();
    expect(line).toContain('imap.acme.test');
    expect(line).not.toContain('ya29.live-token');
  });
});
