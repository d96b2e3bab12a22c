import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openArchive, writeArchive } from '@/lib/backup/backup-archive';
import { BackupError } from '@/lib/backup/backup-error';
import { parseBackupManifest } from '@/lib/backup/backup-manifest';

const folder = mkdtempSync(path.join(tmpdir(), 'intake-archive-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const manifest = {
  format: 'intake-backup',
  formatVersion: 1,
  intakeVersion: '0.1.0',
  createdAt: '2026-12-05T10:00:00.000Z',
  database: 'pglite',
  migrations: 14,
  takenBy: 'running-intake',
  secretsFile: true,
  secretKeyIds: ['AbCd1234'],
};

const problemOf = async (work: () => unknown) => {
  try {
    await work();
  } catch (error) {
    if (error instanceof BackupError) return error.problem;
    throw error;
  }
  throw new Error('expected a BackupError');
};

describe('backup manifest', () => {
  it('reads a manifest Intake wrote', () => {
    expect(parseBackupManifest(JSON.stringify(manifest), 'b.tar')).toEqual(manifest);
  });

  it('refuses another format version, a missing field and what is not JSON, naming the file', async () => {
    expect(await problemOf(() => parseBackupManifest(JSON.stringify({ ...manifest, formatVersion: 2 }), 'b.tar'))).toEqual({
      code: 'unsupported_format',
      file: 'b.tar',
      formatVersion: 2,
    });
    expect(await problemOf(() => parseBackupManifest(JSON.stringify({ ...manifest, migrations: undefined }), 'b.tar'))).toEqual({
      code: 'not_a_backup',
      file: 'b.tar',
      reason: 'its manifest has no valid migrations',
    });
    expect(await problemOf(() => parseBackupManifest('{"format": "something-else"}', 'b.tar'))).toMatchObject({ code: 'not_a_backup' });
    expect(await problemOf(() => parseBackupManifest('tar', 'b.tar'))).toEqual({ code: 'not_a_backup', file: 'b.tar', reason: 'its manifest is not JSON' });
  });
});

describe('backup archive', () => {
  it('writes a tar that tar itself reads, from bytes and from a stream of unknown length', async () => {
    const file = path.join(folder, 'round-trip.tar');
    const streamed = Buffer.alloc(70_000, 7);
    async function* chunks() {
      yield streamed.subarray(0, 1000);
      yield streamed.subarray(1000);
    }
    await writeArchive(file, [
      { name: 'manifest.json', content: Buffer.from('{"a":1}') },
      { name: 'database.pgdump', content: chunks() },
    ]);
    expect(execFileSync('tar', ['tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(['manifest.json', 'database.pgdump']);
    expect(execFileSync('tar', ['xOf', file, 'database.pgdump']).equals(streamed)).toBe(true);

    const archive = await openArchive(file);
    expect(archive.names).toEqual(['manifest.json', 'database.pgdump']);
    expect((await archive.read('manifest.json')).toString()).toBe('{"a":1}');
    const read: Buffer[] = [];
    for await (const chunk of archive.stream('database.pgdump')) read.push(chunk as Buffer);
    expect(Buffer.concat(read).equals(streamed)).toBe(true);
    expect(await problemOf(() => archive.read('secrets.json'))).toEqual({ code: 'not_a_backup', file, reason: 'it has no secrets.json' });
  });

  it('refuses a file that is not a tar, a truncated one and a missing one', async () => {
    const junk = path.join(folder, 'junk.tar');
    writeFileSync(junk, Buffer.alloc(2048, 'x'));
    expect(await problemOf(() => openArchive(junk))).toEqual({ code: 'not_a_backup', file: junk, reason: 'it is not a tar archive' });

    const cut = path.join(folder, 'cut.tar');
    await writeArchive(cut, [{ name: 'database.tar.gz', content: Buffer.alloc(5000, 1) }]);
    const whole = readFileSync(cut).length;
    truncateSync(cut, whole - 3000);
    expect(await problemOf(() => openArchive(cut))).toEqual({ code: 'not_a_backup', file: cut, reason: 'it ends early (truncated?)' });

    const missing = path.join(folder, 'missing.tar');
    expect(await problemOf(() => openArchive(missing))).toEqual({ code: 'not_a_backup', file: missing, reason: 'there is no such file' });
  });
});
