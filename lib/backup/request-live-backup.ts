import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirOwner } from '@/db/data-dir-lock';
import { BackupError } from './backup-error';
import { type BackupRequestStatus, readJsonIfPresent, requestFile, servedByFile, statusFile, writeJsonAtomically } from './backup-requests';
import type { WrittenBackup } from './write-backup-file';

const POLL_MS = 100;
/** How long the running Intake may take to pick a request up (it answers within a moment). */
const ANSWER_WITHIN_MS = 15_000;

/**
 * Asks the Intake process `pid`, which holds the data folder, to write a backup of its open
 * database to `file`, and waits until it has: the copy is then consistent and Intake never stopped.
 */
export async function requestLiveBackup(input: { dataDir: string; pid: number; file: string; onWriting?: () => void }): Promise<WrittenBackup> {
  const { dataDir, pid, file } = input;
  if (readJsonIfPresent<number>(servedByFile(dataDir)) !== pid) throw new BackupError({ code: 'owner_cannot_back_up', dataDir, pid });
  const id = `${Date.now()}-${randomBytes(6).toString('hex')}`;
  writeJsonAtomically(requestFile(dataDir, id), { file });
  const askedAt = Date.now();
  let writing = false;
  try {
    process.kill(pid, 'SIGUSR2');
    for (;;) {
      await sleep(POLL_MS);
      const status = readJsonIfPresent<BackupRequestStatus>(statusFile(dataDir, id));
      if (status?.state === 'done') return { file, bytes: status.bytes, manifest: status.manifest };
      if (status?.state === 'failed') throw new BackupError({ code: 'owner_failed', pid, reason: status.reason });
      if (status?.state === 'writing' && !writing) {
        writing = true;
        input.onWriting?.();
      }
      if (dataDirOwner(dataDir) !== pid) throw new BackupError({ code: 'owner_exited', pid });
      if (!writing && Date.now() - askedAt > ANSWER_WITHIN_MS) throw new BackupError({ code: 'owner_silent', pid, seconds: ANSWER_WITHIN_MS / 1000 });
    }
  } finally {
    rmSync(requestFile(dataDir, id), { force: true });
    rmSync(statusFile(dataDir, id), { force: true });
  }
}
