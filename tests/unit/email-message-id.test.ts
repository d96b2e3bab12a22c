import { describe, expect, it } from 'vitest';
import { normalizeMessageId, parseMessageIdList } from '@/lib/email/message-id';

describe('normalizeMessageId', () => {
  it('strips brackets and surrounding whitespace', () => {
    expect(normalizeMessageId(' <CAF+x=1@mail.example.com> ')).toBe('CAF+x=1@mail.example.com');
    expect(normalizeMessageId('bare@example.com')).toBe('bare@example.com');
    expect(normalizeMessageId('<a@b> (comment)')).toBe('a@b');
  });

  it('rejects empty, spaced, controlled, unclosed and oversized ids', () => {
    for (const raw of ['', '<>', '  ', '<a b@c>', 'a\u0000b@c', '<a@b', `<${'x'.repeat(999)}>`]) {
      expect(normalizeMessageId(raw), JSON.stringify(raw)).toBeNull();
    }
    expect(normalizeMessageId(`<${'x'.repeat(998)}>`)).toHaveLength(998);
  });
});

describe('parseMessageIdList', () => {
  it('reads bracketed, bracketless and folded lists without duplicates', () => {
    expect(parseMessageIdList('<a@x> <b@x>\t<a@x>')).toEqual(['a@x', 'b@x']);
    expect(parseMessageIdList('<a@x>,<b@x>')).toEqual(['a@x', 'b@x']);
    expect(parseMessageIdList('a@x b@x')).toEqual(['a@x', 'b@x']);
    expect(parseMessageIdList('')).toEqual([]);
  });

  it('keeps the newest 100 ids of an endless References header', () => {
    const ids = parseMessageIdList(Array.from({ length: 5_000 }, (_, index) => `<m${index}@x>`).join(' '));
    expect(ids).toHaveLength(100);
    expect(ids.at(-1)).toBe('m4999@x');
  });
});
