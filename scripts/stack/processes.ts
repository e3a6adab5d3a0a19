/** Background processes of the stack: started detached, tracked by pid files, stopped by process group. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Spawned {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  pidFile: string;
}

/**
 * Whether the process runs. A zombie does not: a service started by a process that is still alive
 * but not reaping (`npm test` starts the stack, then blocks in jest) stays a zombie after a test
 * stops it, and counting it as running would make `up` wait forever for it to become ready.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  return procStat(pid)?.state === 'Z';
}

/** State and parent of a process from `/proc/<pid>/stat`; undefined when it is gone. */
export function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid recorded in `pidFile` if that process still runs. */
export function runningPid(pidFile: string): number | undefined {
  const pid = readPid(pidFile);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** Starts a process in its own process group, detached from ours, output appended to its log. */
export function startDetached(p: Spawned): number {
  mkdirSync(path.dirname(p.logFile), { recursive: true });
  mkdirSync(path.dirname(p.pidFile), { recursive: true });
  const fd = openSync(p.logFile, 'a');
  const child = spawn(p.command, p.args, {
    cwd: p.cwd,
    env: p.env ?? process.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  if (child.pid === undefined) throw new Error(`could not start ${p.command}`);
  child.unref();
  writeFileSync(p.pidFile, String(child.pid));
  return child.pid;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM the process group, wait up to `graceMs`, then SIGKILL. Removes the pid file. */
export async function stopProcess(pidFile: string, graceMs = 20_000): Promise<boolean> {
  const pid = runningPid(pidFile);
  if (pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
  rmSync(pidFile, { force: true });
  return true;
}

/** SIGKILL a service at once (for crash tests): no shutdown hooks run. */
export function killProcess(pidFile: string): boolean {
  const pid = runningPid(pidFile);
  if (pid === undefined) return false;
  signalGroup(pid, 'SIGKILL');
  return true;
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Runs `fn` holding `<lockDir>` (made with mkdir, which is atomic), so two commands of one checkout
 * (`npm test` and `npm start`, say) never start the same service twice. A lock whose holder died
 * is taken over.
 */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const owner = path.join(lockDir, 'pid');
  const deadline = Date.now() + timeoutMs;
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(owner);
      if (holder !== undefined && !isAlive(holder)) rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lockDir} is held by process ${holder ?? '?'}`);
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
