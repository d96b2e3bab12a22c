import { describe, expect, it } from 'vitest';
import { classifyAutomatedMail } from '@/lib/email/classify-automated-mail';
import { parseEmail } from '@/lib/email/parse-email';
import { buildMessage } from '@/tests/fixtures/email/build-message';

async function classify(...headers: string[]) {
  const from = headers.some((header) => header.startsWith('From:')) ? [] : ['From: Ada <ada@example.com>'];
  return classifyAutomatedMail(await parseEmail(buildMessage([...from, 'To: support@intake.test', 'Subject: Hello', ...headers], 'Body')));
}

describe('classifyAutomatedMail', () => {
  it('lets mail from a person through', async () => {
    expect(await classify()).toBeNull();
    expect(await classify('Auto-Submitted: no')).toBeNull();
    expect(await classify('Auto-Submitted: No (sent by a person)')).toBeNull();
    expect(await classify('Return-Path: <ada@example.com>', 'Precedence: first-class', 'X-Auto-Response-Suppress: -1')).toBeNull();
  });

  it.each([
    ['Auto-Submitted: auto-replied', 'auto-reply', 'Auto-Submitted: auto-replied'],
    ['Auto-Submitted: Auto-Generated; owner-email="x@example.com"', 'auto-reply', 'Auto-Submitted: auto-generated'],
    ['X-Autoreply: yes', 'auto-reply', 'X-Autoreply: yes'],
    ['X-Autorespond: Vacation', 'auto-reply', 'X-Autorespond: vacation'],
    ...['DR', 'NDR', 'RN', 'NRN', 'OOF', 'AutoReply', 'All'].map((value) => [
      `X-Auto-Response-Suppress: ${value}`,
      'auto-reply',
      `X-Auto-Response-Suppress: ${value.toLowerCase()}`,
    ]),
    ['X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply', 'auto-reply', 'X-Auto-Response-Suppress: dr, rn, nrn, oof, autoreply'],
    ['Precedence: bulk', 'bulk', 'Precedence: bulk'],
    ['Precedence: junk', 'bulk', 'Precedence: junk'],
    ['Precedence: list', 'mailing-list', 'Precedence: list'],
    ['List-Id: Announcements <announce.lists.example.com>', 'mailing-list', 'List-Id: announcements <announce.lists.example.com>'],
    ['From: Mail Delivery System <MAILER-DAEMON@mx.example.com>', 'bounce', 'sent by MAILER-DAEMON'],
    ['From: postmaster@example.com', 'bounce', 'sent by POSTMASTER'],
    ['Return-Path: <>', 'bounce', 'Return-Path: <> (null sender)'],
    ['Return-Path: < >', 'bounce', 'Return-Path: <> (null sender)'],
    ['Content-Type: multipart/report; report-type=delivery-status; boundary="b"', 'delivery-report', 'delivery status notification (multipart/report)'],
    ['Content-Type: multipart/report; report-type="disposition-notification"; boundary="b"', 'delivery-report', 'read receipt (multipart/report)'],
  ])('recognises %s', async (header, kind, reason) => {
    expect(await classify(header)).toEqual({ kind, reason });
  });
});
