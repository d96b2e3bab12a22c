import { describe, expect, it } from 'vitest';
import { pathOnApp } from '@/lib/net/path-on-app';
import { isUuid } from '@/lib/validation';

describe('return paths', () => {
  const app = 'https://desk.acme.com';

  it('keeps paths on Intake with their query', () => {
    expect(pathOnApp('/projects/SD/settings/email?x=1', app)?.toString()).toBe('https://desk.acme.com/projects/SD/settings/email?x=1');
  });

  it('refuses anything that resolves to another host', () => {
    for (const path of ['//evil.com', '/\\evil.com', '/\\/evil.com', 'https://evil.com/', 'evil.com', '', undefined, 42]) {
      expect(pathOnApp(path, app), String(path)).toBeNull();
    }
  });
});

describe('UUIDs', () => {
  it('accepts only the shape PostgreSQL accepts', () => {
    expect(isUuid(crypto.randomUUID())).toBe(true);
    expect(isUuid('-'.repeat(36))).toBe(false);
    expect(isUuid('a'.repeat(36))).toBe(false);
    expect(isUuid('x')).toBe(false);
    expect(isUuid(null)).toBe(false);
  });
});
