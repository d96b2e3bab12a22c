import { randomBytes } from 'node:crypto';

export interface BenchAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** A generated email and what Intake should make of it (the bare-insert baseline writes the same). */
export interface BenchMessage {
  raw: Buffer;
  messageId: string;
  from: { address: string; name: string };
  subject: string;
  text: string;
  attachments: BenchAttachment[];
}

const WORDS =
  'printer invoice account password login error screen network laptop order refund delivery cannot please urgent since yesterday again office meeting update server access'.split(
    ' ',
  );

/** Plain text of about `bytes` bytes, in short lines as people write, varied by `seed`. */
export function proseOf(bytes: number, seed: number): string {
  const lines: string[] = [];
  let size = 0;
  let state = seed * 2_654_435_761 + 1;
  while (size < bytes) {
    const words: string[] = [];
    for (let count = 0; count < 11; count++) {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      words.push(WORDS[state % WORDS.length]!);
    }
    const line = words.join(' ');
    lines.push(line);
    size += line.length + 2;
  }
  return lines.join('\r\n');
}

function base64Lines(content: Buffer): string {
  return content.toString('base64').replace(/.{76}/g, '$&\r\n');
}

/** An RFC 5322 message: text/plain alone, or multipart/mixed with the attachments after the text. */
export function composeMessage(spec: Omit<BenchMessage, 'raw'> & { to: string }): BenchMessage {
  const headers = [
    `From: ${spec.from.name} <${spec.from.address}>`,
    `To: ${spec.to}`,
    `Subject: ${spec.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${spec.messageId}>`,
    'MIME-Version: 1.0',
  ];
  const textPart = ['Content-Type: text/plain; charset=utf-8', '', spec.text];
  let lines: string[];
  if (spec.attachments.length === 0) {
    lines = [...headers, ...textPart, ''];
  } else {
    const boundary = `bench-${randomBytes(6).toString('hex')}`;
    lines = [...headers, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, ...textPart];
    for (const attachment of spec.attachments) {
      lines.push(
        `--${boundary}`,
        `Content-Type: ${attachment.contentType}; name="${attachment.filename}"`,
        `Content-Disposition: attachment; filename="${attachment.filename}"`,
        'Content-Transfer-Encoding: base64',
        '',
        base64Lines(attachment.content),
      );
    }
    lines.push(`--${boundary}--`, '');
  }
  const { to: _to, ...message } = spec;
  return { ...message, raw: Buffer.from(lines.join('\r\n')) };
}

export interface BacklogOptions {
  /** Distinct senders; each sends count / senders messages (below the per-sender rate limit of 20 an hour). */
  senders?: number;
  /** Every n-th message carries an attachment of `attachmentBytes`. */
  attachmentEvery?: number;
  attachmentBytes?: number;
  textBytes?: number;
}

/** The backlog mix: ~5 KB of text each, every tenth message with a 200 KB attachment. */
export function backlogMessages(count: number, to: string, tag: string, options: BacklogOptions = {}): BenchMessage[] {
  const { senders = Math.max(1, Math.ceil(count / 4)), attachmentEvery = 10, attachmentBytes = 200 * 1024, textBytes = 5 * 1024 } = options;
  return Array.from({ length: count }, (_, index) => {
    const sender = index % senders;
    return composeMessage({
      to,
      messageId: `${tag}-${index}-${randomBytes(4).toString('hex')}@bench.test`,
      from: { address: `customer${sender}@bench.test`, name: `Customer ${sender}` },
      subject: `${tag} message ${index}`,
      text: proseOf(textBytes, index),
      attachments:
        index % attachmentEvery === attachmentEvery - 1
          ? [{ filename: `scan-${index}.pdf`, contentType: 'application/pdf', content: randomBytes(attachmentBytes) }]
          : [],
    });
  });
}
