import { describe, expect, it } from 'vitest';
import { findMentions } from '@/lib/notifications/find-mentions';
import { notificationEmail } from '@/lib/notifications/notification-email';
import { DIGEST_THRESHOLD, planNotificationEmails } from '@/lib/notifications/plan-notification-emails';

const people = [
  { id: 'ann', email: 'ann.lee@example.com', name: 'Ann Lee' },
  { id: 'bo', email: 'bo@example.com', name: 'Bo Jönsson' },
  { id: 'cy', email: 'cy-ops@example.com', name: 'Cy' },
];

describe('findMentions', () => {
  it('matches the part of the address before @, ignoring case and trailing punctuation', () => {
    expect(findMentions('@ann.lee could you look?', people)).toEqual(['ann']);
    expect(findMentions('Thanks @BO.', people)).toEqual(['bo']);
    expect(findMentions('(@cy-ops)', people)).toEqual(['cy']);
  });

  it('matches the full name without spaces, letters beyond ASCII included', () => {
    expect(findMentions('@AnnLee and @BoJönsson, see below', people)).toEqual(['ann', 'bo']);
  });

  it('ignores email addresses, partial names and unknown handles', () => {
    expect(findMentions('Mail ann.lee@example.com or bo@example.com', people)).toEqual([]);
    expect(findMentions('@Ann @annlee.x @nobody @', people)).toEqual([]);
  });

  it('lists a person once however often they are mentioned', () => {
    expect(findMentions('@cy @Cy @cy-ops', people)).toEqual(['cy']);
  });
});

describe('planNotificationEmails', () => {
  it('sends up to the threshold one by one', () => {
    const waiting = Array.from({ length: DIGEST_THRESHOLD }, (_, index) => index);
    expect(planNotificationEmails(waiting)).toEqual(waiting.map((item) => [item]));
  });

  it('sends more than the threshold as one digest', () => {
    const waiting = Array.from({ length: DIGEST_THRESHOLD + 1 }, (_, index) => index);
    expect(planNotificationEmails(waiting)).toEqual([waiting]);
    expect(planNotificationEmails([])).toEqual([]);
  });
});

describe('notificationEmail', () => {
  const item = { kind: 'assigned' as const, requestKey: 'SD-4', summary: 'VPN down', actorName: 'Ann Lee' };

  it('names the event and links the request', () => {
    const email = notificationEmail({ to: 'bo@example.com', items: [item], appUrl: 'https://desk.example.com' });
    expect(email).toMatchObject({ to: ['bo@example.com'], subject: '[Intake] Ann Lee assigned SD-4 to you: VPN down' });
    expect(email.text).toContain('https://desk.example.com/requests/SD-4');
    expect(email.text).toContain('https://desk.example.com/profile');
  });

  it('lists every event of a digest with its link', () => {
    const items = [item, { ...item, kind: 'new_request' as const, requestKey: 'SD-5', summary: 'Printer', actorName: null }];
    const email = notificationEmail({ to: 'bo@example.com', items, appUrl: 'https://desk.example.com' });
    expect(email.subject).toBe('[Intake] 2 updates on your requests');
    expect(email.text).toContain('- New request SD-5: Printer\n  https://desk.example.com/requests/SD-5');
    expect(email.text).toContain('https://desk.example.com/requests/SD-4');
  });
});
