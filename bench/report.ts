/**
 * `npm run bench [-- --quick]`: every benchmark in one run on one machine, and the report.
 *
 * Runs `bench:api`, `bench:relay` (our relay and Debezium's default and tuned profiles side by
 * side), `bench:consumers` (capacity steps) and `bench:e2e` (REST write → live stream) one after the other, each as its own process (so one bench's heap and connections never weigh
 * on the next), reads the JSON each prints as its last line, and writes:
 * - `bench/results/<date>.json` and `bench/results/latest.json`: the summary other tools read,
 *   `{ machine, topology, relays: { ts, debezium, debeziumTuned }, ratios, api, consumers, capacity, e2e }`;
 *   ratios are unrounded and judged against the tuned Debezium profile;
 * - `bench/results/latest.md`: the Markdown table, which also replaces the README's block between
 *   the `bench:latest` markers;
 * - `bench/results/latest-relay-latency.svg`: commit-to-Kafka percentiles per relay.
 * The per-bench result files (`api-*.json`, `relay-*.json`, `consumers-*.json`) stay beside them
 * with every detail.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareAll } from '../scripts/prepare.js';
import { BENCH_DIR, fmt, isQuick, progress, REPO_ROOT } from './bench-kit.js';
import { latencyChartSvg, type ChartSeries } from './latency-chart.js';

const quick = isQuick();

interface Percentiles {
  p50Ms: number;
  p90Ms?: number;
  p99Ms: number;
  maxMs?: number;
}
interface RelayFigures extends Percentiles {
  drainPerSec: number;
  /** Steady-state events never published; duplicates, reorderings and incomplete drains. */
  unpublished: number;
  faults: number;
}
interface ApiOutput {
  machine: Record<string, unknown>;
  api: { withOutbox: { rps: number; p99Ms: number }; withoutOutbox: { rps: number; p99Ms: number } };
  outboxCostPct?: number;
  openLoop?: { targetRps: number; achievedRps: number; p50Ms: number; p99Ms: number };
}
interface RelayOutput {
  machine: Record<string, unknown>;
  relays: { ts: RelayFigures; debezium: RelayFigures; debeziumTuned: RelayFigures };
}
interface ConsumersOutput {
  machine: Record<string, unknown>;
  steadyRatePerS: number;
  consumers: Record<string, { perSec: number; p50Ms: number; p99Ms: number; processed: number; expected: number }>;
  capacity: {
    chainTaskCreatedPerSec: number;
    groups: Record<string, { taskCreatedPerSec: number; cpuMsPerEvent: number }>;
  };
}
interface E2eFigures {
  users: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  missing: number;
  non2xx: number;
  duplicates: number;
  regressions: number;
}
interface E2eOutput {
  e2e: Record<string, Record<string, E2eFigures>>;
}

const GOALS = {
  drainRatioMin: 2,
  p99RatioMax: 0.5,
  consumerP99MaxMs: 200,
  relayDrainMinPerSec: 50_000,
  relayP99MaxMs: 100,
  apiOutboxCostMaxPct: 15,
  apiOpenLoopP99MaxMs: 50,
  e2eP99MaxMsAt500: 100,
  chainCapacityMinPerSec: 1_000,
};

/** Runs one bench script; its last stdout line is its JSON result. Its tables are echoed to stdout. */
function runBench(script: string): Promise<unknown> {
  progress(`running ${script}${quick ? ' --quick' : ''}`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join('bench', script), ...(quick ? ['--quick'] : [])],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const lines = out.trimEnd().split('\n');
      // Everything but the JSON line is the bench's human report.
      process.stdout.write(`${lines.slice(0, -1).join('\n')}\n`);
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      try {
        resolve(JSON.parse(lines[lines.length - 1]!));
      } catch {
        reject(new Error(`${script} did not end with a JSON line`));
      }
    });
  });
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
/** A ratio as printed (four significant digits); the JSON keeps it unrounded. */
const shown = (r: number) => Number(r.toPrecision(4));
const verdict = (met: boolean) => (met ? 'met' : 'missed');

function markdown(summary: ReturnType<typeof summarize>): string {
  const { relays, ratios, api, consumers, machine, goals } = summary;
  const m = machine as {
    cpuModel?: string;
    cores?: number;
    memoryGiB?: number;
    node?: string;
    postgres?: { server_version?: string };
    topology?: { kafkaNodes: number; replicationFactor: number };
  };
  const lines = [
    `Run ${summary.at}${summary.quick ? ' (quick)' : ''} on ${m.cores} cores ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres?.server_version ?? '?'}; every part of the stack on this one machine; Kafka: ${m.topology ? `${m.topology.kafkaNodes} node(s), replication ${m.topology.replicationFactor}` : 'topology unknown'}.`,
    '',
    '| figure | ours (TS relay) | Debezium, default profile | Debezium, tuned profile | ours vs tuned | goal (against tuned) |',
    '|---|---|---|---|---|---|',
    `| relay drain, events/s | ${fmt(relays.ts.drainPerSec)} | ${fmt(relays.debezium.drainPerSec)} | ${fmt(relays.debeziumTuned.drainPerSec)} | ${shown(ratios.drain)}× | ≥ 2× and ≥ ${fmt(GOALS.relayDrainMinPerSec)}/s: ${verdict(goals.relayDrain)} |`,
    `| commit-to-Kafka p50, ms | ${fmt(relays.ts.p50Ms)} | ${fmt(relays.debezium.p50Ms)} | ${fmt(relays.debeziumTuned.p50Ms)} | ${shown(ratios.p50)} | |`,
    `| commit-to-Kafka p99, ms | ${fmt(relays.ts.p99Ms)} | ${fmt(relays.debezium.p99Ms)} | ${fmt(relays.debeziumTuned.p99Ms)} | ${shown(ratios.p99)} | ≤ 0.5× and < ${GOALS.relayP99MaxMs} ms: ${verdict(goals.relayP99)} |`,
    '',
    '| API `POST /tasks` | req/s | p99 ms | goal |',
    '|---|---|---|---|',
    `| with outbox | ${fmt(api.withOutbox.rps)} | ${fmt(api.withOutbox.p99Ms)} | outbox costs ${fmt(api.outboxCostPct)} % (≤ ${GOALS.apiOutboxCostMaxPct} %): ${verdict(goals.apiOutboxCost)} |`,
    `| without outbox | ${fmt(api.withoutOutbox.rps)} | ${fmt(api.withoutOutbox.p99Ms)} | |`,
  ];
  if (api.openLoop) {
    const o = api.openLoop;
    lines.push(
      `| open loop at ${o.targetRps} req/s, with outbox | ${fmt(o.achievedRps)} | ${fmt(o.p99Ms)} | p99 < ${GOALS.apiOpenLoopP99MaxMs} ms: ${verdict(goals.apiOpenLoop)} |`,
    );
  }
  lines.push(
    '',
    `| consumer group | backlog events/s | CPU ms/event | p50 ms | p99 ms (at ${summary.consumerRatePerS} TaskCreated/s) | capacity, TaskCreated/s with p99 < ${GOALS.consumerP99MaxMs} ms |`,
    '|---|---|---|---|---|---|',
  );
  for (const [group, c] of Object.entries(consumers)) {
    const cap = summary.capacity.groups[group];
    lines.push(
      `| ${group} | ${fmt(c.perSec)} | ${cap?.cpuMsPerEvent ?? '-'} | ${fmt(c.p50Ms)} | ${fmt(c.p99Ms)}${c.processed >= c.expected ? '' : ` (${c.processed}/${c.expected} processed)`} | ${cap ? fmt(cap.taskCreatedPerSec) : '-'} |`,
    );
  }
  lines.push(
    `| whole chain | | | | | ${fmt(summary.capacity.chainTaskCreatedPerSec)} (goal ≥ ${fmt(GOALS.chainCapacityMinPerSec)}: ${verdict(goals.chainCapacity)}) |`,
  );
  lines.push(
    '',
    '| REST write → TaskChanged on the stream | writes/s (users) | p50 ms | p90 ms | p99 ms | max ms | missing / non-2xx / dup+order |',
    '|---|---|---|---|---|---|---|',
  );
  for (const [relay, byRate] of Object.entries(summary.e2e)) {
    for (const [rate, f] of Object.entries(byRate)) {
      lines.push(
        `| ${relay === 'ts' ? 'ours' : 'Debezium, tuned'} | ${rate} (${f.users}) | ${fmt(f.p50Ms)} | ${fmt(f.p90Ms)} | ${fmt(f.p99Ms)} | ${fmt(f.maxMs)} | ${f.missing} / ${f.non2xx} / ${f.duplicates + f.regressions} |`,
      );
    }
  }
  lines.push(
    '',
    `End-to-end goal, ours p99 < ${GOALS.e2eP99MaxMsAt500} ms at 500 writes/s, nothing missing: ${verdict(goals.e2e)}.`,
  );
  lines.push('', '![commit-to-Kafka latency per relay](bench/results/latest-relay-latency.svg)');
  return `${lines.join('\n')}\n`;
}

function summarize(at: string, api: ApiOutput, relay: RelayOutput, cons: ConsumersOutput, e2e: E2eOutput) {
  const { ts, debezium, debeziumTuned } = relay.relays;
  // Unrounded, against the tuned profile (the production connector): the goals are judged on these.
  const ratios = {
    /** ours / Debezium tuned: above 1 means ours drains faster. */
    drain: ts.drainPerSec / debeziumTuned.drainPerSec,
    /** ours / Debezium tuned: below 1 means ours is quicker. */
    p50: ts.p50Ms / debeziumTuned.p50Ms,
    p99: ts.p99Ms / debeziumTuned.p99Ms,
    /** The same against Debezium's defaults. */
    drainVsDefault: ts.drainPerSec / debezium.drainPerSec,
    p99VsDefault: ts.p99Ms / debezium.p99Ms,
  };
  const at500 = e2e.e2e.ts?.['500'];
  const relayClean = ts.unpublished === 0 && ts.faults === 0;
  const outboxCostPct = api.outboxCostPct ?? round((1 - api.api.withOutbox.rps / api.api.withoutOutbox.rps) * 100, 1);
  const consumers = Object.fromEntries(
    Object.entries(cons.consumers).map(([g, c]) => [
      g,
      { perSec: c.perSec, p50Ms: c.p50Ms, p99Ms: c.p99Ms, processed: c.processed, expected: c.expected },
    ]),
  );
  return {
    at,
    quick,
    machine: relay.machine,
    topology: relay.machine.topology,
    relays: { ts, debezium, debeziumTuned },
    ratios,
    api: {
      withOutbox: api.api.withOutbox,
      withoutOutbox: api.api.withoutOutbox,
      outboxCostPct,
      openLoop: api.openLoop,
    },
    consumers,
    consumerRatePerS: cons.steadyRatePerS,
    capacity: cons.capacity,
    e2e: e2e.e2e,
    goals: {
      relayDrain: relayClean && ratios.drain >= GOALS.drainRatioMin && ts.drainPerSec >= GOALS.relayDrainMinPerSec,
      relayP99: relayClean && ratios.p99 <= GOALS.p99RatioMax && ts.p99Ms < GOALS.relayP99MaxMs,
      apiOutboxCost: outboxCostPct <= GOALS.apiOutboxCostMaxPct,
      apiOpenLoop: api.openLoop ? api.openLoop.p99Ms < GOALS.apiOpenLoopP99MaxMs : false,
      consumersP99: Object.values(consumers).every(
        (c) => c.processed >= c.expected && c.p99Ms < GOALS.consumerP99MaxMs,
      ),
      chainCapacity: cons.capacity.chainTaskCreatedPerSec >= GOALS.chainCapacityMinPerSec,
      e2e:
        at500 !== undefined &&
        at500.p99Ms < GOALS.e2eP99MaxMsAt500 &&
        at500.missing === 0 &&
        at500.non2xx === 0 &&
        at500.duplicates + at500.regressions === 0,
    },
    goalValues: GOALS,
  };
}

function replaceReadmeBlock(table: string): void {
  const file = path.join(REPO_ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- bench:latest:start -->';
  const end = '<!-- bench:latest:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) {
    progress('README.md has no bench:latest markers; table left in bench/results/latest.md only');
    return;
  }
  writeFileSync(file, `${readme.slice(0, i + start.length)}\n${table}${readme.slice(j)}`);
}

async function main(): Promise<void> {
  const at = new Date().toISOString();
  await prepareAll(progress);
  // Order: the API bench first (it needs no relay), then the relays, then the consumers.
  const api = (await runBench('api-bench.ts')) as ApiOutput;
  const relay = (await runBench('relay-bench.ts')) as RelayOutput;
  const cons = (await runBench('consumer-bench.ts')) as ConsumersOutput;
  const e2e = (await runBench('e2e-bench.ts')) as E2eOutput;
  const summary = summarize(at, api, relay, cons, e2e);

  const dir = path.join(BENCH_DIR, 'results');
  const json = `${JSON.stringify(summary, null, 2)}\n`;
  writeFileSync(path.join(dir, `${at.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  const table = markdown(summary);
  writeFileSync(path.join(dir, 'latest.md'), table);
  const series: ChartSeries[] = [
    { name: 'ours (TS relay)', values: summary.relays.ts },
    { name: 'Debezium, default profile', values: summary.relays.debezium },
    { name: 'Debezium, tuned profile', values: summary.relays.debeziumTuned },
  ];
  writeFileSync(
    path.join(dir, 'latest-relay-latency.svg'),
    latencyChartSvg('Commit-to-Kafka latency at 1,000 events/s', series),
  );
  replaceReadmeBlock(table);

  console.log(`\n${table}`);
  console.log(
    `ratios ours/Debezium tuned (unrounded): drain ${summary.ratios.drain}×, p50 ${summary.ratios.p50}, p99 ${summary.ratios.p99}`,
  );
  console.log(`written: bench/results/latest.json, latest.md, latest-relay-latency.svg; README table updated`);
  console.log(JSON.stringify(summary));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[bench] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
