import { describe, expect, it } from 'vitest';
import { extractReplyText } from '@/lib/email/extract-reply-text';

const lines = (...text: string[]) => text.join('\n');

describe('extractReplyText', () => {
  it('cuts the quote under a Gmail reply, attribution wrapped or not', () => {
    expect(
      extractReplyText(lines('Thanks, that fixed it.', '', 'On Mon, Jan 1, 2024 at 10:00 AM Intake Support <support@intake.test> wrote:', '> Try restarting.')),
    ).toBe('Thanks, that fixed it.');
    expect(
      extractReplyText(lines('Thanks!', '', 'On Mon, Jan 1, 2024 at 10:00 AM Intake Support <', 'support@intake.test> wrote:', '', '> Try restarting.')),
    ).toBe('Thanks!');
  });

  it('cuts Apple Mail and Thunderbird quotes', () => {
    expect(
      extractReplyText(lines('Still broken.', '', 'Sent from my iPhone', '', 'On 1 Jan 2024, at 10:00, Support <support@intake.test> wrote:', '', '> Hello')),
    ).toBe('Still broken.');
    expect(extractReplyText(lines('Works now.', '', 'On 01/01/2024 10:00, Intake Support wrote:', '> Hello'))).toBe('Works now.');
  });

  it('cuts Outlook quotes: the Original Message line and the header block', () => {
    expect(extractReplyText(lines('See attached.', '', '-----Original Message-----', 'From: Support', 'Sent: Monday', 'Old text'))).toBe('See attached.');
    expect(
      extractReplyText(
        lines(
          'Yes please.',
          '',
          '________________________________',
          'From: Intake Support <support@intake.test>',
          'Sent: Monday, January 1, 2024 10:00 AM',
          'To: Ada',
          'Subject: RE: Printer',
          '',
          'Old text',
        ),
      ),
    ).toBe('Yes please.');
    expect(
      extractReplyText(lines('Ja.', '', 'Von: Intake Support <support@intake.test>', 'Gesendet: Montag, 1. Januar 2024 10:00', 'An: Ada', 'Alter Text')),
    ).toBe('Ja.');
  });

  it('cuts German, French and Spanish attributions', () => {
    expect(extractReplyText(lines('Danke!', '', 'Am 01.01.2024 um 10:00 schrieb Intake Support <support@intake.test>:', '> Hallo'))).toBe('Danke!');
    expect(extractReplyText(lines('Merci !', '', 'Le lun. 1 janv. 2024 à 10:00, Intake Support <support@intake.test> a écrit :', '> Bonjour'))).toBe('Merci !');
    expect(extractReplyText(lines('¡Gracias!', '', 'El lun, 1 ene 2024 a las 10:00, Intake Support (<support@intake.test>) escribió:', '> Hola'))).toBe(
      '¡Gracias!',
    );
  });

  it('removes signatures and quoted lines between answers', () => {
    expect(extractReplyText(lines('Here is the log.', '', '-- ', 'Ada Lovelace', 'Analytical Engines Ltd'))).toBe('Here is the log.');
    expect(extractReplyText(lines('> Which model?', 'LaserJet 4', '> Since when?', 'Monday'))).toBe('LaserJet 4\nMonday');
    expect(extractReplyText(lines('Ok', '', 'Von meinem iPhone gesendet'))).toBe('Ok');
  });

  it('keeps text that only looks like a marker', () => {
    const text = lines('On second thought, here is what I wrote:', 'the printer jams on page 2.');
    expect(extractReplyText(text)).toBe(text);
  });

  it('falls back to the whole text when everything is quoted', () => {
    const quoted = lines('On Mon, Jan 1, 2024 at 10:00 AM Support <support@intake.test> wrote:', '> Try restarting.');
    expect(extractReplyText(`\n${quoted}\n`)).toBe(quoted);
    expect(extractReplyText('> only a quote')).toBe('> only a quote');
    expect(extractReplyText('   ')).toBe('');
  });

  it('handles CRLF and stays fast on a 5 MB line', () => {
    expect(extractReplyText('Reply\r\n\r\nOn Mon, Jan 1, 2024, Support wrote:\r\n> q')).toBe('Reply');
    const started = Date.now();
    expect(extractReplyText(`On ${'x'.repeat(5 * 1024 * 1024)}`)).toHaveLength(5 * 1024 * 1024 + 3);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
