/**
 * Pausing PostgreSQL: SIGSTOP the cluster's postmaster and every process it forked (backends,
 * checkpointer, WAL writer…), then SIGCONT them. To clients it looks like a server that stopped
 * answering — connections stay open, queries and commits hang — which is harder on timeouts than
 * a clean restart. Only for the stack's own cluster (never a DATABASE_URL the user brought).
 *
 * The stopped pids are remembered, and a process exit handler continues them, so a harness that
 * dies mid-pause never leaves the database frozen.
 */
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { procStat } from '../scripts/stack/processes.js';

const stopped = new Set<number>();
let exitHookInstalled = false;

function continueAll(): void {
  for (const pid of stopped) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  stopped.clear();
}

const parentOf = (pid: number): number | undefined => procStat(pid)?.ppid;

function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    if (parentOf(Number(d)) === parent) out.push(Number(d));
  }
  return out;
}

/** The postmaster's pid: the parent of a backend we ask for its own pid. */
async function postmasterPid(adminUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const backend = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const pm = parentOf(backend);
    if (!pm) throw new Error(`cannot find the postmaster of backend ${backend} (is PostgreSQL on this machine?)`);
    return pm;
  } finally {
    await c.end();
  }
}

/** Freezes the cluster for `ms`, then lets it run again. */
export async function pausePostgres(adminUrl: string, ms: number): Promise<void> {
  if (!exitHookInstalled) {
    process.on('exit', continueAll);
    exitHookInstalled = true;
  }
  const pm = await postmasterPid(adminUrl);
  // The postmaster first, so it forks nothing new while its children are being stopped.
  for (const pid of [pm, ...childrenOf(pm)]) {
    try {
      process.kill(pid, 'SIGSTOP');
      stopped.add(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  try {
    await sleep(ms);
  } finally {
    continueAll();
  }
}
