import { describe, expect, it } from 'vitest';
import { sanitizeEmailHtml } from '@/lib/email/sanitize-email-html';

const LINK_ATTRIBUTES = 'rel="noopener noreferrer nofollow" target="_blank"';

describe('sanitizeEmailHtml', () => {
  it.each([
    [
      'formatting',
      '<div><h2>Hi</h2><p><b>bold</b> <i>it</i> <font color="red" face="Comic Sans">red</font></p><hr><pre><code>x</code></pre></div>',
      '<div><h2>Hi</h2><p><b>bold</b> <i>it</i> <font color="red">red</font></p><hr /><pre><code>x</code></pre></div>',
    ],
    [
      'tables without their background images and styles',
      '<table border="1" background="https://t.test/bg.png"><tr><td colspan="2" style="color:red">c</td></tr></table>',
      '<table border="1"><tr><td colspan="2">c</td></tr></table>',
    ],
    [
      'web links, opened safely in a new tab',
      '<a href="https://example.com/a?b=1&amp;c=2" title="t" onclick="x()">ok</a>',
      `<a title="t" href="https://example.com/a?b=1&amp;c=2" ${LINK_ATTRIBUTES}>ok</a>`,
    ],
    ['mail links', '<a href="mailto:help@intake.test">mail</a>', `<a href="mailto:help@intake.test" ${LINK_ATTRIBUTES}>mail</a>`],
  ])('keeps %s', (_, html, expected) => {
    expect(sanitizeEmailHtml(html)).toBe(expected);
  });

  it.each([
    ['scripts and styles with their content', '<script>alert(1)</script><style>body{background:url(https://t.test)}</style><p>text</p>', '<p>text</p>'],
    ['style, class and id attributes', '<p style="background:url(https://t.test/x)" class="c" id="i">styled</p>', '<p>styled</p>'],
    ['event handlers on images', '<img src=x onerror=alert(1)>', '<img />'],
    ['event handlers on text', '<p onmouseover="alert(1)">p</p>', '<p>p</p>'],
    ['svg', '<svg onload="alert(1)"><circle r="1"/></svg>after', 'after'],
    ['math', '<math><mi xlink:href="javascript:alert(1)">x</mi></math>', ''],
    ['iframes, objects and embeds', '<iframe src="https://evil.test"></iframe><object data="x.swf"></object><embed src="x.swf">ok', 'ok'],
    ['forms', '<form action="https://evil.test"><input name="password"><button>Log in</button></form>', 'Log in'],
    ['base and meta refresh', '<base href="https://evil.test/"><meta http-equiv="refresh" content="0;url=https://evil.test"><p>x</p>', '<p>x</p>'],
    ['data attributes a sender planted', '<img data-remote-src="javascript:alert(1)" data-cid="x">', '<img />'],
    ['data: images', '<img src="data:image/png;base64,iVBORw0KGgo=">', '<img />'],
  ])('removes %s', (_, html, expected) => {
    expect(sanitizeEmailHtml(html)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'java&#x09;script:alert(1)',
    '&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)',
    '  javascript:alert(1)',
    'jav&#x0A;ascript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    '/relative/path',
    '//evil.test/x',
  ])('drops the link target %s', (href) => {
    expect(sanitizeEmailHtml(`<a href="${href}">x</a>`)).toBe(`<a ${LINK_ATTRIBUTES}>x</a>`);
  });

  it('blocks remote images until asked, keeping their address aside', () => {
    expect(sanitizeEmailHtml('<img src="https://track.test/p.gif?u=1" alt="logo" width="10" srcset="https://track.test/2x.gif 2x">')).toBe(
      '<img alt="logo" width="10" data-remote-src="https://track.test/p.gif?u=1" />',
    );
  });

  it('points cid images at their attachment', () => {
    expect(sanitizeEmailHtml('<img src="cid:image001.png@01D9ABCD">')).toBe('<img data-cid="image001.png@01D9ABCD" />');
    expect(sanitizeEmailHtml('<img src="CID:part1%40example">')).toBe('<img data-cid="part1@example" />');
  });

  it('cuts HTML beyond 2 MB and says so', () => {
    const html = sanitizeEmailHtml(`<p>${'a'.repeat(3 * 1024 * 1024)}</p>`);
    expect(html.length).toBeLessThan(2.1 * 1024 * 1024);
    expect(html).toMatch(/<p><em>\[The rest of this message was cut: its HTML was larger than 2 MB\.\]<\/em><\/p>$/);
  });
});
