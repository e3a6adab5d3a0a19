/**
 * What both benchmarks share: arguments, percentiles, a description of the machine (figures are
 * meaningless without it), table printing, a dedicated database per bench, and the result file.
 * Human output goes to stdout as tables; the last stdout line is the JSON result, so anything
 * chatty (child logs, relay logs) must go to stderr.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { TOPICS } from '../lib/topics.js';
import { migrate } from '../scripts/migrate.js';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(BENCH_DIR, '..');

export const isQuick = (): boolean => process.argv.includes('--quick');

/** The value after a command-line flag (`--rates 10,100` → `10,100`), if given. */
export const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

/** Runs a bench's main and exits: 0 when it resolved, 1 with the error printed when it failed. */
export function runBenchMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: number[]): LatencySummary {
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of s) sum += v;
  const r = (v: number) => Math.round(v * 100) / 100;
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p90: r(percentile(s, 90)),
    p99: r(percentile(s, 99)),
    max: r(s.length ? s[s.length - 1]! : NaN),
    mean: r(s.length ? sum / s.length : NaN),
  };
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  postgres?: Record<string, string>;
  /** The Kafka cluster the figures come from: node count and the event topic's replication. */
  topology?: KafkaTopology;
}

export interface KafkaTopology {
  kafkaNodes: number;
  replicationFactor: number;
}

/** How many Kafka nodes answer, and how many replicas the task topic's partitions have. */
export async function kafkaTopology(): Promise<KafkaTopology | undefined> {
  const admin = createKafka({
    brokers: connectionConfig().kafkaBrokers,
    clientId: 'bench-topology',
    principal: 'admin',
    quiet: true,
  }).admin();
  try {
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    const meta = await admin.fetchTopicMetadata({ topics: [TOPICS.tasks] });
    return { kafkaNodes: brokers.length, replicationFactor: meta.topics[0]?.partitions[0]?.replicas.length ?? 0 };
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The machine, and the PostgreSQL settings that move commit-bound figures the most. */
export async function machineInfo(databaseUrl?: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  const info: MachineInfo = {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    topology: await kafkaTopology(),
  };
  if (databaseUrl) {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ name: string; setting: string; unit: string | null }>(
        `select name, setting, unit from pg_settings
          where name in ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'wal_level', 'track_commit_timestamp')`,
      );
      info.postgres = Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]));
    } finally {
      await c.end();
    }
  }
  return info;
}

export function printTable(title: string, headers: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((v) => (typeof v === 'number' ? fmt(v) : v)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  // Figures right-aligned so digits line up; words left-aligned.
  const numeric = headers.map(
    (_, i) => i > 0 && rows.every((r) => typeof r[i] === 'number' || /^[-\d.\s/]*$/.test(String(r[i] ?? ''))),
  );
  const line = (r: string[]) =>
    r
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return Math.abs(v) >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
}

/** Writes bench/results/<name>-<ISO date>.json and prints the result as the last stdout line. */
export function writeResult(name: string, result: object): string {
  const dir = path.join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  // Colons are legal on Linux but not in every checkout a result file may be copied to.
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/:/g, '-')}.json`);
  // Every result file says which Kafka topology it ran on, at its top level.
  const topology = (result as { machine?: MachineInfo }).machine?.topology;
  writeFileSync(file, `${JSON.stringify(topology ? { topology, ...result } : result, null, 2)}\n`);
  console.log(`\nresult written to ${path.relative(REPO_ROOT, file)}`);
  console.log(JSON.stringify(result));
  return file;
}

/** The URL of `database` on the server the dev database lives on. */
export function databaseUrl(database: string): string {
  const u = new URL(connectionConfig().databaseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Drops and recreates `database`, then migrates it: a bench never sees the dev database's rows. */
export async function freshDatabase(database: string): Promise<string> {
  if (!/^todo_bench_[a-z0-9_]+$/.test(database))
    throw new Error(`refusing to drop ${database}: bench databases are named todo_bench_*`);
  const admin = new pg.Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${database}" with (force)`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(database);
  await migrate(url);
  return url;
}

/** Empties the tables a bench fills and checkpoints, so every round starts from the same state. */
export async function resetTables(db: pg.Client | pg.Pool, tables: string[]): Promise<void> {
  await db.query(`truncate ${tables.join(', ')}`);
  // A checkpoint now resets the checkpoint timer, so a timed one does not land inside the next round.
  await db.query('checkpoint');
}

/** Logs to stderr: stdout is kept for the tables and the final JSON line. */
export function stderrLogger(service: string, level = process.env.LOG_LEVEL ?? 'warn'): Logger {
  return pino({ level, base: { service } }, pino.destination(2));
}

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export interface CpuMark {
  proc: NodeJS.CpuUsage;
  busy: number;
  total: number;
  at: number;
}

function procStat(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((s, v) => s + v, 0);
  return { busy: total - idle, total };
}

export function cpuMark(): CpuMark {
  return { proc: process.cpuUsage(), ...procStat(), at: performance.now() };
}

/** Since `from`: this process's CPU in % of one core, and the whole machine's busy % (all cores). */
export function cpuSince(from: CpuMark): { benchProcessPctOfCore: number; machineBusyPct: number } {
  const now = cpuMark();
  const wallUs = (now.at - from.at) * 1000;
  const used = process.cpuUsage(from.proc);
  return {
    benchProcessPctOfCore: Math.round(((used.user + used.system) / wallUs) * 100),
    machineBusyPct: Math.round(((now.busy - from.busy) / Math.max(1, now.total - from.total)) * 100),
  };
}

export interface ProcSnapshot {
  at: number;
  ticks: Map<number, number>;
  machineBusy: number;
}

function procTicks(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // utime and stime are fields 14 and 15; the command name before them may contain spaces.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), Number(f[11]) + Number(f[12]));
    } catch {
      // The process ended while we read.
    }
  }
  return out;
}

export function procSnapshot(): ProcSnapshot {
  return { at: performance.now(), ticks: procTicks(), machineBusy: procStat().busy };
}

/**
 * What used the CPU since `from`, in % of one core, grouped: all PostgreSQL processes as one,
 * other known programs by their short command line, the rest as "other". The machine is shared
 * (other sessions' work, the stack's JVMs): this says whether a figure was taken on a quiet machine.
 */
export function busiestSince(from: ProcSnapshot, n = 6): { pctCore: number; command: string }[] {
  const now = procSnapshot();
  const seconds = (now.at - from.at) / 1000;
  const groups = new Map<string, number>();
  let attributed = 0;
  for (const [pid, ticks] of now.ticks) {
    const used = ticks - (from.ticks.get(pid) ?? 0);
    if (used <= 0) continue;
    attributed += used;
    const label = labelOf(pid);
    groups.set(label, (groups.get(label) ?? 0) + used);
  }
  // Short-lived processes (test runs, compilers) are gone by now; the machine's total still counts them.
  groups.set(
    'processes that ended meanwhile, interrupts',
    Math.max(0, now.machineBusy - from.machineBusy - attributed),
  );
  return [...groups]
    .map(([command, used]) => ({ command, pctCore: Math.round((used / CLOCK_TICKS / seconds) * 100) }))
    .sort((a, b) => b.pctCore - a.pctCore)
    .slice(0, n);
}

const CLOCK_TICKS = 100;
const KNOWN = /^(node|java|postgres|pgbench|psql|npm|esbuild|beam\.smp|redis-server|nats-server)$/;

/** A short label: JVM and node options say nothing about which service a process is. */
function labelOf(pid: number): string {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return 'other';
  }
  const exe = path.basename(args[0] ?? '');
  if (args.length === 0) return 'kernel threads';
  if (exe === 'postgres' || args[0]!.startsWith('postgres:')) return 'postgres';
  if (!KNOWN.test(exe)) return 'other';
  const keep = args.filter(
    (a, i) => i === 0 || (!a.startsWith('-') && !['-cp', '--require', '--import', '-r'].includes(args[i - 1] ?? '')),
  );
  return [exe, ...keep.slice(1).map((a) => a.replace(`${REPO_ROOT}/`, '').replace(/^file:\/\//, ''))]
    .join(' ')
    .slice(0, 80);
}

export function printBusiest(title: string, rows: { pctCore: number; command: string }[]): void {
  printTable(
    title,
    ['command', '% of a core'],
    rows.map((r) => [r.command, r.pctCore]),
  );
}

/** The machine's busy % over `ms` before a bench starts; warns when others' work will skew the figures. */
export async function busyBeforeStart(ms = 3000): Promise<number> {
  const m = cpuMark();
  await sleep(ms);
  const pct = cpuSince(m).machineBusyPct;
  if (pct > 25)
    progress(`warning: the machine is already ${pct}% busy before the bench starts; figures will be lower and noisier`);
  return pct;
}

/** CPU milliseconds that the processes `match` picks used between two snapshots (exited ones are missed). */
export function cpuMsBetween(a: ProcSnapshot, b: ProcSnapshot, match: (pid: number) => boolean): number {
  let ticks = 0;
  for (const [pid, t] of b.ticks) if (match(pid)) ticks += t - (a.ticks.get(pid) ?? 0);
  return (ticks * 1000) / CLOCK_TICKS;
}

export const isPostgres = (pid: number): boolean => labelOf(pid) === 'postgres';

export const isKafkaBroker = (pid: number): boolean => labelOf(pid).startsWith('java kafka.Kafka');
