import { describe, expect, it } from 'vitest';
import { extractReplyText } from '@/lib/email/extract-reply-text';
import { parseEmail } from '@/lib/email/parse-email';
import { buildMessage } from '@/tests/fixtures/email/build-message';

// What the hostile mail corpus (tests/integration/hostile-corpus.test.ts) found, pinned down byte for byte.

const ENVELOPE = ['From: Casey <casey@example.test>', 'To: support@intake.test', 'Subject: Hostile', 'Message-ID: <h1@example.test>'];

const alternative = (text: string, html: string) =>
  buildMessage(
    [...ENVELOPE, 'Content-Type: multipart/alternative; boundary="alt"'],
    `--alt\nContent-Type: text/plain\n\n${text}\n--alt\nContent-Type: text/html\n\n${html}\n--alt--\n`,
  );

describe('parseEmail: what the hostile corpus found', () => {
  it('removes control characters from text and HTML, keeping tabs and line ends', async () => {
    const text = await parseEmail(
      buildMessage([...ENVELOPE, 'Content-Type: text/plain'], 'Bell\u0007 and\tclear \u001b[2Jscreen\u001b]0;title\u0007\nnext\u0085 line\u007f'),
    );
    expect(text.text).toBe('Bell and\tclear [2Jscreen]0;title\nnext line');
    const html = await parseEmail(buildMessage([...ENVELOPE, 'Content-Type: text/html'], '<p>escape\u001b[31m red\u0000</p>'));
    expect(html.html).toBe('<p>escape[31m red</p>\n');
  });

  it('drops HTML that shows nothing, so that the text part is what an agent reads', async () => {
    const email = await parseEmail(alternative('The words.', '<script>alert(1)</script>\n<style>p{}</style>\n\n'));
    expect(email).toMatchObject({ html: null, text: 'The words.' });
  });

  it('keeps HTML of an image alone, and takes the text from the HTML when the text part is empty', async () => {
    expect((await parseEmail(alternative('', '<img src="cid:logo@example.test">'))).html).toBe('<img data-cid="logo@example.test" />\n');
    expect(await parseEmail(alternative('', '<p>Only <b>here</b></p>'))).toMatchObject({ text: 'Only here' });
  });

  it('keeps the body of a multipart whose boundary matches no delimiter', async () => {
    const body = '--used\nContent-Type: text/plain\n\nThe printer is on fire.\n--used--\n';
    const mismatched = await parseEmail(buildMessage([...ENVELOPE, 'Content-Type: multipart/mixed; boundary="declared"'], body));
    expect(mismatched.text).toContain('The printer is on fire.');
    const missing = await parseEmail(buildMessage([...ENVELOPE, 'Content-Type: multipart/mixed'], body));
    expect(missing.text).toContain('The printer is on fire.');
  });

  it('cuts a subject folded to a megabyte to one line of 998 characters, and a name to 200, never inside an emoji', async () => {
    const subject = `${'a'.repeat(997)}🔥${' more'.repeat(200_000)}`;
    const name = `${'b'.repeat(199)}🔥 tail`;
    const email = await parseEmail(
      buildMessage([`From: "${name}" <casey@example.test>`, 'To: support@intake.test', `Subject: ${subject.replace(/(.{900}) /g, '$1\r\n ')}`], 'x'),
    );
    expect(email.subject).toBe('a'.repeat(997));
    expect(email.from).toEqual({ address: 'casey@example.test', name: 'b'.repeat(199) });
  });

  it('leaves a message without a body empty', async () => {
    expect((await parseEmail(buildMessage([...ENVELOPE, 'Content-Type: multipart/mixed; boundary="b"'], ''))).text).toBe('');
    expect((await parseEmail(Buffer.from(ENVELOPE.join('\r\n')))).text).toBe('');
  });
});

describe('extractReplyText: what the hostile corpus found', () => {
  it('stays fast on a reply whose every line names an attribution verb', () => {
    const bomb = `Reply.\n${`Am 1 ${'schrieb '.repeat(40)}\n`.repeat(12_000)}`;
    const started = Date.now();
    expect(extractReplyText(bomb)).toBe(bomb.trim());
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('still wants the verb within 400 characters of the opening word and of the colon', () => {
    const quote = '\n> quoted';
    expect(extractReplyText(`Reply.\nAm 1.1.2024 ${'x'.repeat(380)} schrieb ${'y'.repeat(380)}:${quote}`)).toBe('Reply.');
    expect(extractReplyText(`Reply.\nAm 1.1.2024 ${'x'.repeat(400)} schrieb Ada:${quote}`)).toContain('schrieb Ada:');
    expect(extractReplyText(`Reply.\nAm 1.1.2024 schrieb ${'y'.repeat(401)}:${quote}`)).toContain('schrieb');
    expect(extractReplyText(`Reply.\nOn 1.1.2024 Ada wrote: more${quote}`)).toContain('wrote: more');
  });
});
