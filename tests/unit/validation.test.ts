import { describe, expect, it } from 'vitest';
import { ValidationError } from '@/lib/errors';
import { createProjectSchema } from '@/lib/projects/create-project';
import { hashPassword, passwordSchema, verifyPassword } from '@/lib/users/password';
import { newUserSchema } from '@/lib/users/user-schemas';
import { isUniqueViolation, isUuid, parseInput } from '@/lib/validation';

describe('input rules', () => {
  it('states the password rule', () => {
    for (const weak of ['short1', 'abcdefghijklmn', '12345678901234']) {
      expect(passwordSchema.safeParse(weak).error?.issues[0]?.message).toMatch(/at least 12 characters, with at least one letter and one digit/);
    }
    expect(passwordSchema.safeParse('a long passphrase 7').success).toBe(true);
  });

  it('normalises emails and reports each bad field', () => {
    expect(newUserSchema.parse({ name: ' Jo ', email: ' Jo@Example.COM ', password: 'a long passphrase 7' })).toMatchObject({
      name: 'Jo',
      email: 'jo@example.com',
    });
    try {
      parseInput(newUserSchema, { name: '', email: 'jo@', password: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(Object.keys((error as ValidationError).fieldErrors).sort()).toEqual(['email', 'name', 'password']);
    }
  });

  it('accepts only 2–10 capital letters as a project key', () => {
    const ok = (key: string) => createProjectSchema.safeParse({ key, name: 'n' }).success;
    expect(['SD', 'HELPDESKXY'].every(ok)).toBe(true);
    expect(['S', 'sd', 'S-D', 'SD1', 'HELPDESKXYZ', 'ÄB'].some(ok)).toBe(false);
  });

  it('accepts only well-formed UUIDs as ids, so a malformed one is a 404 before any query', () => {
    expect(isUuid('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBe(true);
    expect(['-'.repeat(36), 'a'.repeat(36), '72f988bf86f141af91ab2d7cd011db47', '72f988bf-86f1-41af-91ab-2d7cd011db4g', '', undefined, 42].some(isUuid)).toBe(
      false,
    );
  });

  it('recognises unique violations through wrapped errors', () => {
    const wrapped = new Error('Failed query', { cause: { code: '23505', constraint: 'users_email_key' } });
    expect(isUniqueViolation(wrapped, 'users_email_key')).toBe(true);
    expect(isUniqueViolation(wrapped, 'projects_key_key')).toBe(false);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
  });

  it('hashes passwords with argon2id', async () => {
    const hash = await hashPassword('a long passphrase 7');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'a long passphrase 7')).toBe(true);
    expect(await verifyPassword(hash, 'a long passphrase 8')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
});
