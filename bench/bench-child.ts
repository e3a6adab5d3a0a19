/** A product service (relay, consumer) as a child process of a bench, its output on stderr. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { BENCH_CPU_PROF, read } from '../lib/config/settings.js';
import { REPO_ROOT, sleep } from './bench-kit.js';

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
  const dir = read(BENCH_CPU_PROF);
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface ApiProcess extends BenchChild {
  port: number;
}

/** `api/main.ts` on a free loopback port, resolved once it answers /readyz. */
export async function startApi(name: string, env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const api = spawnBenchChild(name, 'api/main.ts', [], { ...env, PORT: String(port), HOST: '127.0.0.1' });
  let exited = false;
  api.child.once('exit', () => (exited = true));
  // Generous: tsx compiles on start, and with API_WORKERS > 1 each worker does too.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited before it was ready (see stderr)`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { ...api, port };
    await sleep(250);
  }
  // SIGTERM: a cluster primary passes it on to its workers.
  await api.stop();
  throw new Error(`${name} was not ready within 120 s`);
}
