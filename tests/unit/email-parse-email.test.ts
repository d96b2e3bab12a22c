import { describe, expect, it } from 'vitest';
import { EmailParseError, parseEmail } from '@/lib/email/parse-email';
import { buildMessage } from '@/tests/fixtures/email/build-message';

const ENVELOPE = ['From: "Ada Lovelace" <Ada@Example.COM>', 'To: support@intake.test', 'Subject: Printer', 'Message-ID: <m1@example.com>'];

/** A multipart body: each part is its header lines and body, separated by one blank line. */
function multipart(boundary: string, parts: readonly string[]): string {
  return `${parts.map((part) => `--${boundary}\n${part}\n`).join('')}--${boundary}--\n`;
}

/** A message of ENVELOPE headers whose body is a `multipart/<subtype>` of `parts`. */
function multipartMessage(subtype: string, parts: readonly string[]): Buffer {
  return buildMessage([...ENVELOPE, `Content-Type: multipart/${subtype}; boundary="part"`], multipart('part', parts));
}

const parseMultipart = (subtype: string, parts: readonly string[]) => parseEmail(multipartMessage(subtype, parts));

async function parseError(raw: Buffer, limits = {}): Promise<EmailParseError> {
  const error = await parseEmail(raw, limits).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EmailParseError);
  return error as EmailParseError;
}

describe('parseEmail: structure', () => {
  it('reads a plain-text message and normalises its addresses and ids', async () => {
    const email = await parseEmail(
      buildMessage(
        [
          'From: "Ada Lovelace" <Ada@Example.COM>',
          'To: Support <Support@Intake.test>, "Bücher" <info@Bücher.example>',
          'Cc: undisclosed-recipients:;, Bob <bob@example.com>',
          'Reply-To: ada.private@example.com',
          'Subject: =?utf-8?q?Drucker_kaputt_=E2=80=93_bitte_helfen?=',
          'Message-ID: <CAF=abc+123@mail.example.com>',
          'In-Reply-To: <r1@intake.test>',
          'References: <r0@intake.test>\r\n <r1@intake.test>',
          'Date: Tue, 2 Jan 2024 10:30:00 +0100',
          'Auto-Submitted: No',
          'Content-Type: text/plain; charset=utf-8',
        ],
        'Hello,\nthe printer is broken.\n',
      ),
    );
    expect(email).toMatchObject({
      messageId: 'CAF=abc+123@mail.example.com',
      inReplyTo: ['r1@intake.test'],
      references: ['r0@intake.test', 'r1@intake.test'],
      subject: 'Drucker kaputt – bitte helfen',
      from: { address: 'ada@example.com', name: 'Ada Lovelace' },
      replyTo: [{ address: 'ada.private@example.com', name: '' }],
      to: [
        { address: 'support@intake.test', name: 'Support' },
        { address: 'info@xn--bcher-kva.example', name: 'Bücher' },
      ],
      cc: [{ address: 'bob@example.com', name: 'Bob' }],
      html: null,
      attachments: [],
    });
    expect(email.date?.toISOString()).toBe('2024-01-02T09:30:00.000Z');
    expect(email.text).toBe('Hello,\nthe printer is broken.');
    expect(email.headers).toEqual({
      autoSubmitted: 'no',
      precedence: null,
      listId: null,
      returnPath: null,
      xAutoreply: null,
      xAutorespond: null,
      xAutoResponseSuppress: null,
      contentType: 'text/plain; charset=utf-8',
    });
  });

  it('copes with a message that has no From, Date, Message-ID or Subject', async () => {
    const email = await parseEmail(buildMessage(['To: support@intake.test'], 'hi'));
    expect(email).toMatchObject({ from: null, date: null, messageId: null, subject: '', inReplyTo: [], references: [], text: 'hi' });
    expect(email.headers.contentType).toBe('text/plain');
  });

  it('drops broken message ids and unparseable dates', async () => {
    const email = await parseEmail(
      buildMessage([...ENVELOPE.slice(0, 3), 'Message-ID: <two words@example.com>', 'Date: the day after tomorrow', 'References: a@x b@y a@x'], 'x'),
    );
    expect(email.messageId).toBeNull();
    expect(email.date).toBeNull();
    expect(email.references).toEqual(['a@x', 'b@y']);
  });

  it('derives the text of an HTML-only message from its sanitized HTML', async () => {
    const email = await parseEmail(
      buildMessage(
        [...ENVELOPE, 'Content-Type: text/html; charset=utf-8'],
        '<html><head><style>p{color:red}</style><script>alert(1)</script></head><body><p>Hello&nbsp;there,</p><p>line one<br>line   two &amp; more</p><ul><li>a</li><li>b</li></ul><table><tr><td>x</td><td>y</td></tr></table></body></html>',
      ),
    );
    expect(email.html?.trim()).toBe(
      '<p>Hello\u00a0there,</p><p>line one<br />line   two &amp; more</p><ul><li>a</li><li>b</li></ul><table><tr><td>x</td><td>y</td></tr></table>',
    );
    expect(email.text).toBe('Hello there,\n\nline one\nline two & more\n\n- a\n- b\n\nx\ty');
  });

  it('takes the text part and the HTML part of multipart/alternative', async () => {
    const email = await parseMultipart('alternative', [
      'Content-Type: text/plain; charset=utf-8\n\nPlain *version*',
      'Content-Type: text/html; charset=utf-8\n\n<p onclick="x()">HTML <b>version</b></p>',
    ]);
    expect(email.text).toBe('Plain *version*');
    expect(email.html?.trim()).toBe('<p>HTML <b>version</b></p>');
  });

  it('keeps regular and inline attachments, the inline image tied to its cid', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const pdf = Buffer.from('%PDF-1.7 fake');
    const raw = multipartMessage('mixed', [
      `Content-Type: multipart/related; boundary="rel"\n\n${multipart('rel', [
        'Content-Type: text/html; charset=utf-8\n\n<p>Logo: <img src="cid:logo@x" alt="logo"></p>',
        `Content-Type: image/png\nContent-ID: <logo@x>\nContent-Disposition: inline; filename="logo.png"\nContent-Transfer-Encoding: base64\n\n${png.toString('base64')}`,
      ])}`,
      `Content-Type: application/pdf; name="quote.pdf"\nContent-Disposition: attachment; filename="quote.pdf"\nContent-Transfer-Encoding: base64\n\n${pdf.toString('base64')}`,
      `Content-Type: application/pdf\nContent-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n${pdf.toString('base64')}`,
    ]);
    const email = await parseEmail(raw);
    expect(email.html?.trim()).toBe('<p>Logo: <img alt="logo" data-cid="logo@x" /></p>');
    expect(email.attachments).toEqual([
      { filename: 'logo.png', contentType: 'image/png', size: png.length, content: png, contentId: 'logo@x', inline: true },
      { filename: 'quote.pdf', contentType: 'application/pdf', size: pdf.length, content: pdf, contentId: null, inline: false },
      { filename: 'attachment-3.pdf', contentType: 'application/pdf', size: pdf.length, content: pdf, contentId: null, inline: false },
    ]);
    expect(Buffer.isBuffer(email.attachments[0]!.content)).toBe(true);
  });

  it('keeps a forwarded message as an .eml attachment instead of parsing it', async () => {
    const forwarded = 'From: boss@example.com\nSubject: Secret plan\n\nThe forwarded body.';
    const email = await parseMultipart('mixed', [
      'Content-Type: text/plain\n\nSee below.',
      `Content-Type: message/rfc822\nContent-Disposition: inline\n\n${forwarded}`,
      `Content-Type: message/rfc822; name="Re: plan"\n\n${forwarded}`,
    ]);
    expect(email.text).toBe('See below.');
    expect(email.attachments.map(({ filename, contentType }) => [filename, contentType])).toEqual([
      ['forwarded-message.eml', 'message/rfc822'],
      ['Re_ plan.eml', 'message/rfc822'],
    ]);
    expect(email.attachments[0]!.content.toString()).toContain('The forwarded body.');
  });

  it('keeps a calendar invitation as invite.ics', async () => {
    const email = await parseMultipart('mixed', [
      'Content-Type: text/plain\n\nYou are invited.',
      'Content-Type: text/calendar; method=REQUEST; charset=utf-8\n\nBEGIN:VCALENDAR\nMETHOD:REQUEST\nEND:VCALENDAR',
    ]);
    expect(email.attachments).toHaveLength(1);
    expect(email.attachments[0]).toMatchObject({ filename: 'invite.ics', contentType: 'text/calendar', inline: false });
    expect(email.attachments[0]!.content.toString()).toBe('BEGIN:VCALENDAR\nMETHOD:REQUEST\nEND:VCALENDAR\n');
  });

  it('makes attachment names safe', async () => {
    const named = (disposition: string) => `Content-Type: application/octet-stream\nContent-Disposition: attachment; ${disposition}\n\ndata`;
    const long = `${'a'.repeat(300)}.pdf`;
    const email = await parseMultipart('mixed', [
      'Content-Type: text/plain\n\nfiles',
      named('filename="../../etc/passwd"'),
      named('filename="..\\\\..\\\\windows\\\\win.ini"'),
      named("filename*=utf-8''invoice%E2%80%AEfdp.exe"),
      named(`filename="${long}"`),
      named('filename="=?utf-8?b?cmVwb3J0AC5wZGY=?="'),
      named('filename=".."'),
      named('filename="what?.txt"'),
    ]);
    const names = email.attachments.map((attachment) => attachment.filename);
    expect(names.slice(0, 3)).toEqual(['passwd', 'win.ini', 'invoicefdp.exe']);
    expect(names[3]).toHaveLength(200);
    expect(names[3]!.endsWith('aaa.pdf')).toBe(true);
    expect(names.slice(4)).toEqual(['report .pdf', 'attachment-6', 'what_.txt']);
  });
});

describe('parseEmail: hostile structure', () => {
  it('refuses 1,000 levels of nesting', async () => {
    let body = 'deep';
    for (let level = 999; level >= 0; level--) {
      body = `--b${level}\nContent-Type: ${level === 999 ? 'text/plain' : `multipart/mixed; boundary="b${level + 1}"`}\n\n${body}\n--b${level}--`;
    }
    const started = Date.now();
    const error = await parseError(buildMessage([...ENVELOPE, 'Content-Type: multipart/mixed; boundary="b0"'], body));
    expect(error.reason).toBe('MIME nesting deeper than 50 levels');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses 10,000 parts', async () => {
    const parts = Array.from({ length: 10_000 }, (_, index) => `Content-Type: text/plain\n\npart ${index}`);
    const error = await parseError(multipartMessage('mixed', parts));
    expect(error.reason).toBe('more than 2000 MIME parts');
  });

  it('refuses 2 MB of headers', async () => {
    const headers = Array.from({ length: 20_000 }, (_, index) => `X-Filler-${index}: ${'x'.repeat(100)}`);
    const error = await parseError(buildMessage([...ENVELOPE, ...headers], 'body'));
    expect(error.reason).toBe('headers larger than 1 MB');
  });

  it('parses a 5 MB single-line body off the main thread', async () => {
    const body = 'x'.repeat(5 * 1024 * 1024);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      const email = await parseEmail(buildMessage(ENVELOPE, body));
      expect(email.text).toHaveLength(body.length);
    } finally {
      clearInterval(ticker);
    }
    // The worker's answer arrives as one message; the loop kept ticking while it worked.
    expect(ticks).toBeGreaterThan(3);
  });

  it('sanitizes 2 MB of nested HTML off the main thread', async () => {
    const body = '<div><span><b>x'.repeat((2 * 1024 * 1024) / 16);
    let longestGap = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      longestGap = Math.max(longestGap, Date.now() - last);
      last = Date.now();
    }, 5);
    try {
      const email = await parseEmail(buildMessage([...ENVELOPE, 'Content-Type: text/html'], body));
      expect(email.html?.startsWith('<div><span><b>x<div>')).toBe(true);
    } finally {
      clearInterval(ticker);
    }
    expect(longestGap).toBeLessThan(500);
  }, 30_000);

  it('stops a parse that runs over its time budget', async () => {
    const error = await parseError(buildMessage([...ENVELOPE, 'Content-Type: text/html'], '<div>'.repeat(400_000)), { maxTimeMs: 100 });
    expect(error.reason).toBe('took longer than 0.1 s to parse');
  });

  it('gives the same result in a worker as inline', async () => {
    const raw = multipartMessage('mixed', [
      'Content-Type: text/html\n\n<p>Hi</p>',
      'Content-Type: image/gif; name="a.gif"\nContent-Transfer-Encoding: base64\n\nR0lGODlhAQABAAAAACw=',
    ]);
    const inline = await parseEmail(raw);
    const threaded = await parseEmail(raw, { maxInlineBytes: 0 });
    expect(threaded).toEqual(inline);
    expect(Buffer.isBuffer(threaded.attachments[0]!.content)).toBe(true);
  });

  it('parses a burst of messages, more than there are workers, in turn', async () => {
    const subjects = Array.from({ length: 12 }, (_, index) => `Burst ${index}`);
    const emails = await Promise.all(subjects.map((subject) => parseEmail(buildMessage([`Subject: ${subject}`], 'x'), { maxInlineBytes: 0 })));
    expect(emails.map((email) => email.subject)).toEqual(subjects);
  });
});

describe('parseEmail: broken encodings', () => {
  it('decodes broken base64 and quoted-printable as far as it goes', async () => {
    const email = await parseMultipart('mixed', [
      'Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8gV29y!!!bGQ*\n@@==Zm9v\n=',
      'Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9 =ZZ half=\n=E2=8',
    ]);
    expect(email.text).toContain('Hello');
    expect(email.text).toContain('Café =ZZ half');
  });

  it('decodes charsets that lie or do not exist without failing', async () => {
    const part = (charset: string, body: Buffer) =>
      Buffer.concat([Buffer.from(`--cs\r\nContent-Type: text/plain; charset=${charset}\r\n\r\n`), body, Buffer.from('\r\n')]);
    const raw = Buffer.concat([
      buildMessage([...ENVELOPE, 'Content-Type: multipart/mixed; boundary="cs"']),
      part('utf-8', Buffer.from('caf\xe9 \x93quoted\x94', 'latin1')),
      part('utf-7', Buffer.from('Hi Mom -+Jjo--!')),
      part('iso-2022-jp', Buffer.from('\x1b$B$3$s$K$A$O\x1b(B', 'latin1')),
      part('x-klingon', Buffer.from('na\xefve', 'latin1')),
      Buffer.from('--cs--\r\n'),
    ]);
    const email = await parseEmail(raw);
    expect(email.text).toContain('caf\ufffd');
    expect(email.text).toContain('Hi Mom');
    expect(email.text).toContain('こんにちは');
    expect(email.text).toContain('naïve');
  });

  it('reads raw 8-bit headers', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: Jörg Müller <joerg@example.de>\r\nSubject: Grüße aus Köln\r\n', 'utf8'),
      Buffer.from('X-Latin1: Gr\xfc\xdfe\r\nTo: support@intake.test\r\n\r\nHallo\r\n', 'latin1'),
    ]);
    const email = await parseEmail(raw);
    expect(email.subject).toBe('Grüße aus Köln');
    expect(email.from).toEqual({ address: 'joerg@example.de', name: 'Jörg Müller' });
  });

  it('removes NUL characters, which PostgreSQL refuses, from text and subject', async () => {
    const email = await parseEmail(buildMessage([...ENVELOPE.slice(0, 2), 'Subject: =?utf-8?b?aGkAdGhlcmU=?='], 'a\0b'));
    expect(email.subject).toBe('hi there');
    expect(email.text).toBe('ab');
  });
});

describe('parseEmail: sender spoofing (Mailsploit)', () => {
  const sender = async (...fromHeaders: string[]) => (await parseEmail(buildMessage([...fromHeaders, 'To: support@intake.test'], 'x'))).from;

  it('accepts an ordinary sender, encoded name and all', async () => {
    expect(await sender('From: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>')).toEqual({ address: 'joerg@example.de', name: 'Jörg' });
    expect(await sender('From: "john@acme.test" <John@ACME.test>')).toEqual({ address: 'john@acme.test', name: 'john@acme.test' });
    expect(await sender('From: plain@example.com')).toEqual({ address: 'plain@example.com', name: '' });
  });

  it.each([
    ['an encoded word that decodes to a NUL and a second address', ['From: =?utf-8?b?Y2VvQGJhbmsuY29tAEBhdHRhY2tlci5jb20=?=']],
    ['that encoded word as a display name', ['From: =?utf-8?b?Y2VvQGJhbmsuY29tAEBhdHRhY2tlci5jb20=?= <mallory@attacker.com>']],
    ['a NUL in an encoded display name', ['From: =?utf-8?q?ceo=40bank=2Ecom=00?= <mallory@attacker.com>']],
    ['an address only an encoded word contains', ['From: =?utf-8?b?PGNlb0BiYW5rLmNvbT4=?=']],
    ['an encoded address beside a plain one', ['From: =?utf-8?b?PGNlb0BiYW5rLmNvbT4=?= mallory@attacker.com']],
    ['a raw NUL byte in the address', ['From: ceo@bank.com\0@attacker.com']],
    ['a raw NUL byte in brackets', ['From: <ceo@bank.com\0>']],
    ['two addresses', ['From: ceo@bank.com, mallory@attacker.com']],
    ['two From headers', ['From: ceo@bank.com', 'From: mallory@attacker.com']],
    ['a group', ['From: Friends: ceo@bank.com;']],
    ['an empty address', ['From: "Nobody" <>']],
    ['no address at all', ['From: not an address']],
    ['a display name that is an address at another domain', ['From: "ceo@bank.com" <mallory@attacker.com>']],
    ['a display name with an address at another domain', ['From: "Bank Support <support@bank.com>" <mallory@attacker.com>']],
    ['an encoded display name with an address at another domain', ['From: =?utf-8?q?support=40bank=2Ecom?= <mallory@attacker.com>']],
  ])('refuses %s', async (_, fromHeaders) => {
    expect(await sender(...fromHeaders)).toBeNull();
  });

  it('strips bidi controls from names', async () => {
    expect(await sender('From: "\u202Emoc.knab" <a@example.com>')).toEqual({ address: 'a@example.com', name: 'moc.knab' });
  });
});
