import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import type { DatabaseHandle } from '@/db/client';
import { log } from '@/lib/log';
import { describeFailure } from '@/lib/runtime/describe-failure';
import { type BackupRequest, backupRequestFolder, readJsonIfPresent, requestFile, servedByFile, statusFile, writeJsonAtomically } from './backup-requests';
import { writeEmbeddedBackup } from './write-embedded-backup';

const REQUEST_SUFFIX = '.request.json';

export interface BackupRequestServer {
  /** Stops taking requests, after the backup being written (if any) is finished. */
  stop(): Promise<void>;
}

/**
 * Lets `npm run backup` copy the embedded database while Intake runs: on SIGUSR2 this process
 * writes each waiting request's backup from its open PGlite handle, one after the other.
 */
export function serveBackupRequests({ database, dataDir }: { database: DatabaseHandle; dataDir: string }): BackupRequestServer {
  const folder = backupRequestFolder(dataDir);
  mkdirSync(folder, { recursive: true, mode: 0o700 });

  const serveOne = async (id: string) => {
    const taken = `${requestFile(dataDir, id)}.taken`;
    try {
      renameSync(requestFile(dataDir, id), taken);
    } catch {
      return; // Withdrawn by the command that asked, or already taken.
    }
    const request = readJsonIfPresent<BackupRequest>(taken);
    rmSync(taken, { force: true });
    if (!request) return;
    writeJsonAtomically(statusFile(dataDir, id), { state: 'writing' });
    log.info('backup.started', { file: request.file });
    try {
      const written = await writeEmbeddedBackup({ database, dataDir, file: request.file, takenBy: 'running-intake' });
      writeJsonAtomically(statusFile(dataDir, id), { state: 'done', bytes: written.bytes, manifest: written.manifest });
      log.info('backup.written', { file: request.file, bytes: written.bytes });
    } catch (error) {
      const reason = describeFailure(error);
      writeJsonAtomically(statusFile(dataDir, id), { state: 'failed', reason });
      log.error('backup.failed', { file: request.file, reason });
    }
  };

  let working: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const work = async () => {
    do {
      again = false;
      const waiting = readdirSync(folder).filter((name) => name.endsWith(REQUEST_SUFFIX));
      for (const name of waiting) await serveOne(name.slice(0, -REQUEST_SUFFIX.length));
    } while (again);
  };
  const onSignal = () => {
    if (stopped) return;
    if (working) {
      again = true;
      return;
    }
    working = work().finally(() => {
      working = null;
    });
  };
  process.on('SIGUSR2', onSignal);
  writeJsonAtomically(servedByFile(dataDir), process.pid);
  return {
    async stop() {
      // The handler stays: a command that read `served-by` just before may still signal, and
      // SIGUSR2 with no listener would end the process in the middle of its stop.
      stopped = true;
      if (readJsonIfPresent<number>(servedByFile(dataDir)) === process.pid) rmSync(servedByFile(dataDir), { force: true });
      await working;
    },
  };
}
