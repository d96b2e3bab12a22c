import { describe, expect, it } from 'vitest';
import { connectedCursor, renumberedCursor } from '@/lib/ingest/record-existing-mail';

const mailbox = (existingMail: 'new_only' | 'unread' | 'since' | 'all', existingMailSince: Date | null = null) => ({
  id: '00000000-0000-4000-8000-000000000001',
  protocol: 'imap' as const,
  folder: 'INBOX',
  existingMail,
  existingMailSince,
});
const folder = { uidValidity: 7n, uidNext: 2_001, messages: 1_950 };
const now = new Date('2026-12-07T10:00:00Z');

describe('the cursor of a folder at its connection', () => {
  it('starts after the last existing UID when only new mail is wanted: nothing below is ever fetched', () => {
    expect(connectedCursor(mailbox('new_only'), folder, now)).toEqual({
      mailboxId: mailbox('new_only').id,
      folder: 'INBOX',
      uidValidity: 7n,
      existingMessages: 1_950,
      lastUid: 2_000,
    });
  });

  it('starts at the beginning with the existing UIDs marked for the import and its filter', () => {
    const since = new Date('2026-11-01T00:00:00Z');
    expect(connectedCursor(mailbox('since', since), folder, now)).toMatchObject({
      lastUid: 0,
      importUntilUid: 2_000,
      importFilter: 'since',
      importSince: since,
      importStartedAt: now,
    });
    expect(connectedCursor(mailbox('unread'), folder, now)).toMatchObject({ lastUid: 0, importUntilUid: 2_000, importFilter: 'unread', importSince: null });
  });

  it('imports nothing from an empty folder, whatever the choice', () => {
    expect(connectedCursor(mailbox('all'), { uidValidity: 7n, uidNext: 1, messages: 0 }, now)).toMatchObject({ lastUid: 0 });
    expect(connectedCursor(mailbox('all'), { uidValidity: 7n, uidNext: 1, messages: 0 }, now)).not.toHaveProperty('importUntilUid');
  });

  it('reads a renumbered folder again from a day before its last poll, as an import', () => {
    const cursor = renumberedCursor({ updatedAt: new Date('2026-12-06T12:00:00Z') }, 9n, 31, now);
    expect(cursor).toMatchObject({
      uidValidity: 9n,
      lastUid: 0,
      importUntilUid: 30,
      importFilter: 'since',
      importSince: new Date('2026-12-05T12:00:00Z'),
      importTotal: null,
      importCancelled: false,
    });
  });
});
