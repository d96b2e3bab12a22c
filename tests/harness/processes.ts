import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/** Starts a program whose output goes to a log file: a caller piping its output would otherwise never finish. */
export function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  try {
    return spawn(command, args, { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

/** Direct children of a process, read from /proc. */
export function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat is the parent pid; the command name before it may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(25);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/**
 * Stops a process we started and the children it forked, by pid: politely first, then for sure.
 * All get the signal at once (Dovecot's master alone takes seconds to wind its children down),
 * and children are listed first because they are re-parented once their parent exits.
 */
export async function stopProcessTree(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const { pid } = child;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pids = [pid, ...childPids(pid)];
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (const target of pids) signal(target, 'SIGTERM');
  const stubborn = await waitGone(pids, timeoutMs);
  for (const survivor of stubborn) signal(survivor, 'SIGKILL');
  await waitGone(stubborn, timeoutMs);
  await exited;
}

/** Last resort when the harness process itself is exiting and cannot wait. */
export function killProcessTreeNow(child: ChildProcess): void {
  const { pid } = child;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  for (const target of [pid, ...childPids(pid)]) signal(target, 'SIGKILL');
}
