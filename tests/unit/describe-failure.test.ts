import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { databaseConnectionLost, describeFailure, networkFailure } from '@/lib/runtime/describe-failure';
import { isOutage } from '@/lib/runtime/survive-outages';

describe('describeFailure', () => {
  it('never repeats a failed statement or its parameters', () => {
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const error = new DrizzleQueryError(
      'insert into inbound_messages (raw, subject) values ($1, $2)',
      ['\\x4d6573736167652d6964', 'Secret customer subject'],
      cause,
    );
    const described = describeFailure(error);
    expect(described).toBe('The database refused a statement (22021): invalid byte sequence for encoding "UTF8": 0x00');
    expect(described).not.toMatch(/insert|customer subject|4d6573/);
  });

  it('says a lost connection will be retried, whatever the driver wrapped it in', () => {
    const error = new DrizzleQueryError('select 1', [], Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    expect(databaseConnectionLost(error)).toBe('57P01');
    expect(describeFailure(error)).toBe('Intake lost its connection to the database (57P01); it will retry.');
    expect(databaseConnectionLost(new Error('syntax error'))).toBeNull();
  });

  it('keeps any other message to one bounded line without control characters', () => {
    const described = describeFailure(new Error(`first line\u0000\nsecond line ${'x'.repeat(2000)}`));
    expect(described.startsWith('first line second line x')).toBe(true);
    expect(described.length).toBe(500);
    expect(described).not.toMatch(/[\u0000-\u001f]/);
  });

  it('takes a refused or cut connection for the database only when a statement failed with it: mail servers give the same codes', () => {
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(databaseConnectionLost(new DrizzleQueryError('select 1', [], refused()))).toBe('ECONNREFUSED');
    // postgres.js names the query on the error it rejects a statement with.
    expect(databaseConnectionLost(Object.defineProperty(refused(), 'query', { value: 'select 1' }))).toBe('ECONNREFUSED');
    expect(databaseConnectionLost(refused())).toBeNull();
    expect(networkFailure(refused())).toBe('ECONNREFUSED');
    expect(databaseConnectionLost(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe('57P03');
  });
});

describe('isOutage', () => {
  it('lets a lost connection or an unreachable server go, and nothing else', () => {
    expect(isOutage(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    // pg (pg-boss's driver) gives a cut connection no code.
    expect(isOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isOutage(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isOutage(new TypeError("Cannot read properties of null (reading 'write')"))).toBe(false);
    expect(isOutage(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isOutage('a string')).toBe(false);
  });
});
