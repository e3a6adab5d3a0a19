/** A product service (relay, consumer) as a child process of a bench, its output on stderr. */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './bench-kit.js';

export interface BenchChild {
  name: string;
  child: ChildProcess;
  /** SIGTERM (the service finishes what is in flight), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * `BENCH_CPU_PROF=<dir>`: each child writes V8 CPU profiles into `<dir>/<name>-<time>/` when it
 * exits, one per thread (tsx's loader thread too; the service's is the large one).
 */
function profilingArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}/${name}-${Date.now()}`] : [];
}

export function spawnBenchChild(name: string, entry: string, args: string[], env: Record<string, string>): BenchChild {
  const child = spawn(process.execPath, [...profilingArgs(name), '--import', 'tsx', entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stdout carries only the bench's tables and JSON line.
  child.stdout?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  return {
    name,
    child,
    stop(graceMs = 12_000) {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
