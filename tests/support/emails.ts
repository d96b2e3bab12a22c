import { randomBytes } from 'node:crypto';

export interface EmailSpec {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  body?: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
  attachment?: { filename: string; contentType: string; content: Buffer };
}

/** A raw RFC 5322 message, as a mail server would deliver it. */
export function buildEmail(spec: EmailSpec = {}): Buffer {
  const messageId = spec.messageId === undefined ? `${randomBytes(8).toString('hex')}@example.test` : spec.messageId;
  const headers = [
    `From: ${spec.from ?? 'Casey Customer <customer@example.test>'}`,
    `To: ${spec.to ?? 'support@acme.test'}`,
    ...(spec.cc ? [`Cc: ${spec.cc}`] : []),
    `Subject: ${spec.subject ?? 'Printer on fire'}`,
    `Date: ${new Date().toUTCString()}`,
    ...(messageId ? [`Message-ID: <${messageId}>`] : []),
    ...(spec.inReplyTo ? [`In-Reply-To: <${spec.inReplyTo}>`] : []),
    ...(spec.references ? [`References: ${spec.references}`] : []),
    ...Object.entries(spec.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    'MIME-Version: 1.0',
  ];
  const body = spec.body ?? 'Hello,\r\nthe printer on floor 3 is on fire.\r\nCasey';
  if (!spec.attachment) {
    return Buffer.from([...headers, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));
  }
  const boundary = `b-${randomBytes(6).toString('hex')}`;
  return Buffer.from(
    [
      ...headers,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      `--${boundary}`,
      `Content-Type: ${spec.attachment.contentType}; name="${spec.attachment.filename}"`,
      `Content-Disposition: attachment; filename="${spec.attachment.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      spec.attachment.content.toString('base64').replace(/.{76}/g, '$&\r\n'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}
