import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { databaseConnectionLost, describeFailure } from '@/lib/runtime/describe-failure';

describe('describeFailure', () => {
  it('never repeats a failed statement or its parameters', () => {
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const error = new DrizzleQueryError('insert into inbound_messages (raw, subject) values ($1, $2)', ['\\x4d6573736167652d6964', 'Secret customer subject'], cause);
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
});
