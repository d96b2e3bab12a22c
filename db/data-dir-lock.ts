import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite does not lock its folder, and two processes writing one PGlite folder corrupt it.
 * The lock file holds the owner's pid; a lock whose pid is gone is taken over.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `Intake cannot start: the data folder ${dataDir} is in use by another Intake process (pid ${pid}). ` +
        'Stop that process, or point INTAKE_DATA_DIR at another folder.',
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

function lockFile(dataDir: string): string {
  return path.join(dataDir, 'intake.lock');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid holding the data folder, if a live process does. */
export function dataDirOwner(dataDir: string): number | undefined {
  const pid = readOwner(lockFile(dataDir));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = lockFile(dataDir);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return holdUntilExit(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (owner === process.pid) return holdUntilExit(file);
    if (owner !== undefined && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
    // Stale lock: move it aside atomically so two starters cannot both take it over.
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // Another process moved it first; look again.
    }
    const moved = readOwner(aside);
    if (moved !== undefined && moved !== owner && isAlive(moved)) {
      // A starter took the stale lock over between our read and our rename: give it back.
      renameSync(aside, file);
      throw new DataDirLockedError(dataDir, moved);
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`Intake cannot start: could not take the lock ${file}.`);
}

/** Releases the lock on any exit, including process.exit() calls that skip async cleanup. */
function holdUntilExit(file: string): DataDirLock {
  const release = () => releaseIfOurs(file);
  process.once('exit', release);
  return {
    release() {
      process.off('exit', release);
      release();
    },
  };
}

function releaseIfOurs(file: string): void {
  if (readOwner(file) === process.pid) rmSync(file, { force: true });
}
