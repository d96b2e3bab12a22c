import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BackupError } from './backup-error';

/**
 * A backup is one POSIX tar file (ustar), so an operator can look into it with `tar tvf`
 * without Intake. Only what a backup needs: regular files with short names, written once.
 */
const BLOCK = 512;
const OCTAL_SIZE_LIMIT = 8 ** 11;

export interface ArchiveEntry {
  name: string;
  /** Bytes at hand, or a stream of unknown length (a pg_dump), whose size is filled in after it. */
  content: Buffer | AsyncIterable<Uint8Array>;
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** ustar's octal size field holds up to 8 GiB; beyond it, GNU tar's base-256 form (as GNU and bsdtar read it). */
function writeSize(header: Buffer, size: number): void {
  if (size < OCTAL_SIZE_LIMIT) {
    writeOctal(header, size, 124, 12);
    return;
  }
  header.fill(0, 124, 136);
  header[124] = 0x80;
  let rest = BigInt(size);
  for (let index = 135; index > 124; index--, rest >>= 8n) header[index] = Number(rest & 0xffn);
}

function readSize(header: Buffer): number {
  if (header[124]! & 0x80) {
    let size = 0n;
    for (let index = 125; index < 136; index++) size = (size << 8n) | BigInt(header[index]!);
    return Number(size);
  }
  return Number.parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
}

function checksumOf(header: Buffer): number {
  let sum = 0;
  for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 0x20 : header[index]!;
  return sum;
}

function entryHeader(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`Archive entry name too long: ${name}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, 0o600, 100, 8);
  writeOctal(header, 0, 108, 8);
  writeOctal(header, 0, 116, 8);
  writeSize(header, size);
  writeOctal(header, Math.floor(mtime.getTime() / 1000), 136, 12);
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\u000000', 257, 8, 'ascii');
  header.write(`${checksumOf(header).toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

async function writeContent(handle: FileHandle, position: number, content: ArchiveEntry['content']): Promise<number> {
  if (Buffer.isBuffer(content)) {
    await handle.write(content, 0, content.length, position);
    return content.length;
  }
  let size = 0;
  for await (const chunk of content) {
    await handle.write(chunk, 0, chunk.length, position + size);
    size += chunk.length;
  }
  return size;
}

/** Writes the archive to a new file (readable by its owner only: it holds keys); returns its size. */
export async function writeArchive(file: string, entries: ArchiveEntry[]): Promise<number> {
  const handle = await open(file, 'wx', 0o600);
  try {
    const mtime = new Date();
    let position = 0;
    for (const entry of entries) {
      const headerAt = position;
      // A stream's size is known only once it has been written: its header is written after it.
      const size = await writeContent(handle, headerAt + BLOCK, entry.content);
      await handle.write(entryHeader(entry.name, size, mtime), 0, BLOCK, headerAt);
      position = headerAt + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    }
    await handle.write(Buffer.alloc(2 * BLOCK), 0, 2 * BLOCK, position);
    await handle.sync();
    return position + 2 * BLOCK;
  } finally {
    await handle.close();
  }
}

export interface Archive {
  names: string[];
  read(name: string): Promise<Buffer<ArrayBuffer>>;
  stream(name: string): Readable;
}

/** The entries of a backup archive; anything that is not a whole tar file is refused. */
export async function openArchive(file: string): Promise<Archive> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new BackupError({ code: 'not_a_backup', file, reason: error.code === 'ENOENT' ? 'there is no such file' : error.message });
  });
  const entries = new Map<string, { offset: number; size: number }>();
  const damaged = (reason: string) => new BackupError({ code: 'not_a_backup', file, reason });
  try {
    const { size: fileSize } = await handle.stat();
    const header = Buffer.alloc(BLOCK);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, position);
      if (bytesRead < BLOCK) throw damaged(entries.size === 0 ? 'it is not a tar archive' : 'it ends early (truncated?)');
      if (header.every((byte) => byte === 0)) break;
      const stored = Number.parseInt(header.toString('ascii', 148, 156).replace(/\0.*$/, '').trim(), 8);
      if (stored !== checksumOf(header)) throw damaged(entries.size === 0 ? 'it is not a tar archive' : 'an entry header is damaged');
      const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const size = readSize(header);
      if (position + BLOCK + size > fileSize) throw damaged('it ends early (truncated?)');
      entries.set(name, { offset: position + BLOCK, size });
      position += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await handle.close();
  }
  const locate = (name: string) => {
    const entry = entries.get(name);
    if (!entry) throw damaged(`it has no ${name}`);
    return entry;
  };
  return {
    names: [...entries.keys()],
    async read(name) {
      const { offset, size } = locate(name);
      const reader = await open(file, 'r');
      try {
        const content = Buffer.alloc(size);
        await reader.read(content, 0, size, offset);
        return content;
      } finally {
        await reader.close();
      }
    },
    stream(name) {
      const { offset, size } = locate(name);
      // createReadStream reads to `end` inclusive, which cannot express nothing at all.
      if (size === 0) return Readable.from([]);
      return createReadStream(file, { start: offset, end: offset + size - 1 });
    },
  };
}
