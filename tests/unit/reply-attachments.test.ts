import { describe, expect, it } from 'vitest';
import { safeAttachmentContentType } from '@/lib/email/attachment-content-type';
import { ConfigError, parseMaxAttachmentBytes } from '@/lib/env';
import { attachmentsTooLargeMessage, totalSize } from '@/lib/files/attachment-limit';
import { agentCommentSchema } from '@/lib/requests/add-agent-comment';
import { fieldErrorsOf } from '@/lib/validation';

const requestId = '00000000-0000-4000-8000-000000000001';

describe('safeAttachmentContentType', () => {
  it('keeps a plain type, lower-cased and trimmed', () => {
    expect(safeAttachmentContentType('application/pdf')).toBe('application/pdf');
    expect(safeAttachmentContentType(' Image/PNG ')).toBe('image/png');
    expect(safeAttachmentContentType('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
  });

  it('serves anything else as bytes: empty, parameters, header injection, no subtype', () => {
    for (const raw of ['', null, undefined, 'text/html; charset=utf-8', 'text/html\r\nX-Evil: 1', 'text', '/plain', 'text/ plain'])
      expect(safeAttachmentContentType(raw)).toBe('application/octet-stream');
  });
});

describe('parseMaxAttachmentBytes', () => {
  it('defaults to 10 MB and reads a given number of bytes', () => {
    expect(parseMaxAttachmentBytes({})).toBe(10 * 1024 * 1024);
    expect(parseMaxAttachmentBytes({ INTAKE_MAX_ATTACHMENT_BYTES: '2048' })).toBe(2048);
  });

  it('names the variable when the value is not a number of bytes', () => {
    expect(() => parseMaxAttachmentBytes({ INTAKE_MAX_ATTACHMENT_BYTES: 'ten megabytes' })).toThrow(ConfigError);
    expect(() => parseMaxAttachmentBytes({ INTAKE_MAX_ATTACHMENT_BYTES: '10' })).toThrow(/INTAKE_MAX_ATTACHMENT_BYTES/);
  });
});

describe('attachment limit of a comment', () => {
  const schema = agentCommentSchema(2048);
  const comment = (files: File[]) => ({ requestId, body: 'See attached.', kind: 'reply', files });

  it('accepts files up to the limit together, and none', () => {
    expect(fieldErrorsOf(schema, comment([new File([new Uint8Array(1024)], 'a.bin'), new File([new Uint8Array(1024)], 'b.bin')]))).toEqual({});
    expect(fieldErrorsOf(schema, { requestId, body: 'No files.', kind: 'internal' })).toEqual({});
  });

  it('refuses files over the limit together on the files field, saying both sizes', () => {
    const files = [new File([new Uint8Array(1500)], 'a.bin'), new File([new Uint8Array(1500)], 'b.bin')];
    expect(totalSize(files)).toBe(3000);
    expect(fieldErrorsOf(schema, comment(files))).toEqual({ files: [attachmentsTooLargeMessage(2048, 3000)] });
    expect(attachmentsTooLargeMessage(10 * 1024 * 1024, 12.5 * 1024 * 1024)).toBe(
      'Attach at most 10 MB to one comment; these files come to 12.5 MB. Choose fewer or smaller files.',
    );
    expect(attachmentsTooLargeMessage(10 * 1024 * 1024, 10 * 1024 * 1024 + 1)).toBe(
      'Attach at most 10,485,760 bytes to one comment; these files come to 10,485,761 bytes. Choose fewer or smaller files.',
    );
  });

  it('refuses something that is not a file', () => {
    expect(fieldErrorsOf(schema, comment(['not a file' as unknown as File]))).toHaveProperty('files');
  });
});
