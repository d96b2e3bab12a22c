import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '@/db/data-dir-lock';

const freshDir = () => mkdtempSync(path.join(tmpdir(), 'intake-lock-'));

describe('data folder lock', () => {
  it('refuses a folder held by a live process and names the folder and pid', async () => {
    const dir = freshDir();
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(path.join(dir, 'intake.lock'), `${holder.pid}\n`);
      let refused: unknown;
      try {
        acquireDataDirLock(dir);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect((refused as Error).message).toContain(dir);
      expect((refused as Error).message).toContain(`pid ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a dead process and releases it', async () => {
    const dir = freshDir();
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(path.join(dir, 'intake.lock'), `${dead.pid}\n`);
    const lock = acquireDataDirLock(dir);
    expect(readFileSync(path.join(dir, 'intake.lock'), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(path.join(dir, 'intake.lock'))).toBe(false);
  });
});
