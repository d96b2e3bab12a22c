import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '@/lib/env';

const secret = 'x'.repeat(32);

function configErrorOf(source: Record<string, string>): ConfigError {
  try {
    parseEnv(source, mkdtempSync(path.join(tmpdir(), 'intake-env-')));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a configuration error');
}

describe('parseEnv', () => {
  it('defaults to embedded PGlite on port 3000 and generates secrets once, owner-only', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'intake-env-'));
    const env = parseEnv({}, cwd);
    expect(env).toMatchObject({ PORT: 3000, APP_URL: 'http://localhost:3000', databaseKind: 'pglite', dataDir: path.join(cwd, '.data') });
    const file = path.join(cwd, '.data', 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(env.AUTH_SECRET).toHaveLength(44);
    const again = parseEnv({}, cwd);
    expect(again.AUTH_SECRET).toBe(env.AUTH_SECRET);
    expect(again.INTAKE_SECRET_KEY).toBe(JSON.parse(readFileSync(file, 'utf8')).INTAKE_SECRET_KEY);
  });

  it('names the variable and the fix in one line', () => {
    const appUrl = configErrorOf({ APP_URL: 'desk.example.com' });
    expect(appUrl.message).toMatch(/^Intake cannot start: APP_URL is invalid \(got "desk.example.com"\): must be an absolute http\(s\) URL/);
    expect(appUrl.message).not.toContain('\n');
    expect(configErrorOf({ PORT: 'abc' }).message).toMatch(/PORT is invalid .*port number/);
    expect(configErrorOf({ DATABASE_URL: 'mysql://x' }).message).toMatch(/DATABASE_URL is invalid: must be a postgres/);
    expect(configErrorOf({ INTAKE_WORKERS: '-1' }).variable).toBe('INTAKE_WORKERS');
    expect(configErrorOf({ AUTH_SECRET: 'short' }).message).toMatch(/AUTH_SECRET is invalid: must be at least 32 characters/);
  });

  it('never echoes a secret or a connection URL in its error', () => {
    expect(configErrorOf({ AUTH_SECRET: 'hunter2' }).message).not.toContain('hunter2');
    expect(configErrorOf({ DATABASE_URL: 'mysql://user:pw@host/db' }).message).not.toContain('pw@');
  });

  it('requires given secrets with DATABASE_URL in production', () => {
    const base = { DATABASE_URL: 'postgres://db/intake', NODE_ENV: 'production' } as const;
    expect(configErrorOf(base).variable).toBe('AUTH_SECRET');
    expect(configErrorOf({ ...base, AUTH_SECRET: secret }).variable).toBe('INTAKE_SECRET_KEY');
    const env = parseEnv({ ...base, AUTH_SECRET: secret, INTAKE_SECRET_KEY: secret, APP_URL: 'https://desk.example.com/' });
    expect(env).toMatchObject({ databaseKind: 'postgres', APP_URL: 'https://desk.example.com' });
  });
});
