import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BackupManifest } from './backup-manifest';

/**
 * How `npm run backup` asks the running Intake, the one process that may open the PGlite
 * folder, to write a backup from its open database: a request file in the data folder (owner
 * only, mode 0700) and SIGUSR2 to the pid in the lock; the answer is a status file next to it.
 * The pid in `served-by` says the process handles the signal: Node's default for SIGUSR2
 * would end a process that does not.
 */
export function backupRequestFolder(dataDir: string): string {
  return path.join(dataDir, 'backup-requests');
}

export function servedByFile(dataDir: string): string {
  return path.join(backupRequestFolder(dataDir), 'served-by');
}

export const requestFile = (dataDir: string, id: string) => path.join(backupRequestFolder(dataDir), `${id}.request.json`);
export const statusFile = (dataDir: string, id: string) => path.join(backupRequestFolder(dataDir), `${id}.status.json`);

export interface BackupRequest {
  /** Absolute path the backup is written to. */
  file: string;
}

export type BackupRequestStatus = { state: 'writing' } | { state: 'done'; bytes: number; manifest: BackupManifest } | { state: 'failed'; reason: string };

/** Written under another name and renamed, so the reader never sees half a file. */
export function writeJsonAtomically(file: string, value: unknown): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(value), { mode: 0o600 });
  renameSync(partial, file);
}

export function readJsonIfPresent<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
