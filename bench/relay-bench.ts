/**
 * `npm run bench:relay [-- --quick] [--notify-study] [--debezium-study] [--debezium-set key=value …] [--writer-connections N]`:
 * the TypeScript relay and Debezium side by side, in one run, on one machine: how fast each empties
 * a backlog, and how long an event waits between its commit and Kafka under a steady write load.
 *
 * Both relays are measured the same way, from the Kafka side (topic-log.ts): the events go to the
 * bench-owned topic bench.relay.events, whose records carry the broker's append time; latency is
 * append time − PostgreSQL's commit time of the writing transaction (track_commit_timestamp), so it
 * includes the time a row sits committed but unseen (poll interval, WAL decoding, the batch in
 * flight) and excludes the writer's own time before commit. A drain is timed from the relay's start
 * (Debezium: its resume) to the append time of the last record.
 *
 * Default run, in ABBA order so that neither relay always runs on the warmer or the busier machine,
 * and so that no replication slot decodes the WAL while the TypeScript relay is measured:
 *   drain TS → for each Debezium profile (default, then tuned): register → drain → steady → drop → steady TS,
 * each drain after an unmeasured warm-up drain in the same relay process (warmUp). Goals are
 * judged against the tuned profile, the production config; the default profile shows what the tuning buys.
 * The TypeScript relay runs with relay/config.ts's defaults (env included), with the outbox's NOTIFY
 * trigger disabled as the migration `outbox_notify_off` leaves it; Debezium with the production
 * connector config (see debezium-relay-under-test.ts for the bench's names, profiles and pause/resume).
 *
 * `--debezium-study [--debezium-set key=value …]`: Debezium alone, tuned profile with the given
 * connector properties on top: how the tuning was chosen, one property at a time.
 * `--notify-study`: instead, the TypeScript relay alone under the steady load with LISTEN on/off,
 * the NOTIFY trigger on/off, the commit-signal slot and poll 10/100 ms: why production wakes on
 * neither and polls every 10 ms.
 */
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import {
  argValue,
  busiestSince,
  busyBeforeStart,
  cpuMark,
  cpuMsBetween,
  cpuSince,
  databaseUrl,
  freshDatabase,
  isKafkaBroker,
  isPostgres,
  isQuick,
  machineInfo,
  printTable,
  procSnapshot,
  progress,
  resetTables,
  runBenchMain,
  summarize,
  writeResult,
  type LatencySummary,
} from './bench-kit.js';
import { debeziumRelay, removeLeftovers } from './debezium-relay-under-test.js';
import { makeFixture, prefill, steadyWriter, type WriterResult } from './outbox-load.js';
import { tsRelay, type RelayUnderTest } from './relay-under-test.js';
import { BENCH_TOPIC, TopicLog, type TopicRecord } from './topic-log.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';

const quick = isQuick();
const notifyStudy = process.argv.includes('--notify-study');
/** `--debezium-set key=value`, repeatable: connector properties on top of the tuned profile. */
function debeziumSets(): Record<string, string> {
  const out: Record<string, string> = {};
  process.argv.forEach((a, i) => {
    if (a !== '--debezium-set') return;
    const m = /^([a-z][a-z0-9.]*)=(.*)$/.exec(process.argv[i + 1] ?? '');
    if (!m) throw new Error(`--debezium-set takes key=value, not "${process.argv[i + 1] ?? ''}"`);
    out[m[1]!] = m[2]!;
  });
  return out;
}
const debeziumStudy = process.argv.includes('--debezium-study');
const P = {
  topic: BENCH_TOPIC,
  /** Connector properties on top of the tuned profile (`--debezium-set`). */
  debeziumSet: debeziumSets(),
  drainEvents: quick ? 20_000 : 100_000,
  /** An unmeasured drain before the measured one, in the same relay process (both JITs warm up). */
  warmUpEvents: quick ? 5_000 : 20_000,
  keys: 1_000,
  payloadBytes: 300,
  steadyRatePerS: 1_000,
  steadyTickMs: 20,
  steadyWarmupMs: quick ? 1_000 : 3_000,
  steadyMs: quick ? 8_000 : 30_000,
  /** Concurrent writing transactions: several API replicas' worth. */
  writerConnections: Number(argValue('--writer-connections') ?? 8),
};
const GOALS = {
  minDrainPerS: 50_000,
  minDrainRatioTsOverDebezium: 2,
  maxSteadyP99Ms: 100,
  maxP99RatioTsOverDebezium: 0.5,
};
const DATABASE = 'todo_bench_relay';
const TABLES = ['outbox', 'outbox_held_keys', 'outbox_dead_letters'];

interface Scenario {
  relay: RelayUnderTest;
  /** Whether the outbox's NOTIFY trigger fires during the steady run. */
  notifyTrigger: boolean;
}

type Busiest = ReturnType<typeof busiestSince>;

/** What reached the topic in one scenario: distinct events, duplicates and per-key order. */
function checkRecords(records: TopicRecord[]): {
  distinct: TopicRecord[];
  duplicates: number;
  orderViolations: number;
} {
  const seen = new Set<string>();
  const lastVersion = new Map<string, number>();
  const distinct: TopicRecord[] = [];
  let duplicates = 0;
  let orderViolations = 0;
  // A key lives in one partition and the reader returns a partition's records in offset order.
  for (const r of records) {
    if (seen.has(r.eventId)) {
      duplicates++;
      continue;
    }
    seen.add(r.eventId);
    distinct.push(r);
    if (r.aggregateVersion <= (lastVersion.get(r.key) ?? 0)) orderViolations++;
    lastVersion.set(r.key, r.aggregateVersion);
  }
  return { distinct, duplicates, orderViolations };
}

interface DrainFigures {
  relay: string;
  events: number;
  published: number;
  complete: boolean;
  seconds: number;
  eventsPerS: number;
  /** The rate after the first 10 % of the events: without connecting, electing, resuming. */
  eventsPerSAfterFirst10Pct: number;
  firstRecordMs: number;
  duplicates: number;
  orderViolations: number;
  cpu: ReturnType<typeof cpuSince>;
  /**
   * CPU ms per 1,000 events of the relay (TS: this process; Debezium: the Connect worker),
   * PostgreSQL and the Kafka broker: what the drain costs whatever else runs.
   */
  cpuMsPer1000: { relay: number; postgres: number; kafka: number };
  busiest: Busiest;
}

/**
 * A drain of `P.warmUpEvents`, not measured: both relays are long-running processes whose code is
 * compiled as they go (V8; the JVM's JIT in Connect). Without it, the figure said more about how far
 * each runtime had warmed up than about the relay: Debezium drained 6,900/s in a Connect worker that
 * had just restarted, 12,200/s in the next run and 25,400/s after the test suite had run through it.
 */
async function warmUp(pool: pg.Pool, log: TopicLog, relay: RelayUnderTest, fixture: Fixture): Promise<void> {
  await resetTables(pool, TABLES);
  await relay.prepare();
  progress(`${relay.name}: warming up on ${P.warmUpEvents} events`);
  await prefill(pool, fixture, P.warmUpEvents);
  const from = await log.endOffsets();
  await relay.start();
  const complete = await log.waitForAppended(from, P.warmUpEvents, 120_000);
  await relay.stop();
  if (!complete) throw new Error(`${relay.name} did not publish its ${P.warmUpEvents} warm-up events within 120 s`);
}

async function drain(pool: pg.Pool, log: TopicLog, relay: RelayUnderTest, fixture: Fixture): Promise<DrainFigures> {
  await warmUp(pool, log, relay, fixture);
  await resetTables(pool, TABLES);
  await relay.prepare();
  progress(`${relay.name}: pre-filling ${P.drainEvents} events`);
  await prefill(pool, fixture, P.drainEvents);
  await pool.query('analyze outbox');
  await pool.query('checkpoint');
  const from = await log.endOffsets();
  progress(`${relay.name}: draining`);
  const cpu0 = cpuMark();
  const procs0 = procSnapshot();
  const t0 = Date.now();
  await relay.start();
  const complete = await log.waitForAppended(from, P.drainEvents, quick ? 120_000 : 300_000);
  const cpu = cpuSince(cpu0);
  const procs1 = procSnapshot();
  const busiest = busiestSince(procs0, 4);
  await relay.stop();
  const { distinct, duplicates, orderViolations } = checkRecords(await log.read(from, await log.endOffsets()));
  const times = Float64Array.from(distinct.map((r) => r.appendedAt)).sort();
  const end = times[times.length - 1] ?? NaN;
  const tenth = Math.floor(times.length / 10);
  const per1000 = (ms: number) => Math.round((ms / Math.max(1, distinct.length)) * 1000 * 10) / 10;
  return {
    relay: relay.name,
    events: P.drainEvents,
    published: distinct.length,
    complete,
    seconds: Math.round((end - t0) / 10) / 100,
    eventsPerS: Math.round(distinct.length / ((end - t0) / 1000)),
    eventsPerSAfterFirst10Pct: Math.round((times.length - 1 - tenth) / ((end - times[tenth]!) / 1000)),
    firstRecordMs: (times[0] ?? NaN) - t0,
    duplicates,
    orderViolations,
    cpu,
    cpuMsPer1000: {
      relay: per1000(cpuMsBetween(procs0, procs1, relay.isRelayProcess)),
      postgres: per1000(cpuMsBetween(procs0, procs1, isPostgres)),
      kafka: per1000(cpuMsBetween(procs0, procs1, isKafkaBroker)),
    },
    busiest,
  };
}

interface SteadyFigures {
  relay: string;
  notifyTrigger: boolean;
  writer: WriterResult;
  /** Broker append time − commit time, rows committed after the warm-up. */
  latencyMs: LatencySummary;
  /** The relay's own view, when it reports acknowledgements: Kafka ack − commit time. */
  ackLatencyMs?: LatencySummary;
  published: number;
  unpublished: number;
  /** Records whose commit time the relay could not tell (should be 0). */
  withoutCommitTime: number;
  duplicates: number;
  orderViolations: number;
  cpu: ReturnType<typeof cpuSince>;
  busiest: Busiest;
}

async function steady(
  pool: pg.Pool,
  writerPool: pg.Pool,
  log: TopicLog,
  s: Scenario,
  fixture: Fixture,
): Promise<SteadyFigures> {
  const { relay } = s;
  await resetTables(pool, TABLES);
  await pool.query(`alter table outbox ${s.notifyTrigger ? 'enable' : 'disable'} trigger outbox_notify`);
  await relay.prepare();
  const from = await log.endOffsets();
  const versions = fixture.keys.map(() => 0);
  await relay.start();
  progress(
    `${relay.name}: steady ${P.steadyRatePerS}/s, warm-up ${P.steadyWarmupMs / 1000} s, then ${P.steadyMs / 1000} s`,
  );
  const warm = await steadyWriter(writerPool, fixture, versions, P.steadyRatePerS, P.steadyWarmupMs, P.steadyTickMs);
  const since = Date.now();
  const cpu0 = cpuMark();
  const procs0 = procSnapshot();
  const w = await steadyWriter(writerPool, fixture, versions, P.steadyRatePerS, P.steadyMs, P.steadyTickMs);
  const cpu = cpuSince(cpu0);
  const busiest = busiestSince(procs0, 4);
  const written = warm.inserted + w.inserted;
  await log.waitForAppended(from, written, 30_000);
  await relay.stop();
  await pool.query('alter table outbox disable trigger outbox_notify');
  const { distinct, duplicates, orderViolations } = checkRecords(await log.read(from, await log.endOffsets()));
  const committed = await relay.commitTimes();
  const latencies: number[] = [];
  let withoutCommitTime = 0;
  for (const r of distinct) {
    const at = committed.get(r.eventId);
    if (at === undefined) withoutCommitTime++;
    else if (at >= since) latencies.push(r.appendedAt - at);
  }
  const acks = relay.ackLatenciesMs?.(since);
  return {
    relay: relay.name,
    notifyTrigger: s.notifyTrigger,
    writer: w,
    latencyMs: summarize(latencies),
    ...(acks && { ackLatencyMs: summarize(acks) }),
    published: distinct.length,
    unpublished: written - distinct.length,
    withoutCommitTime,
    duplicates,
    orderViolations,
    cpu,
    busiest,
  };
}

type Fixture = Awaited<ReturnType<typeof makeFixture>>;

const busiestText = (b: Busiest) =>
  b.map((x) => `${x.command.split(' ').slice(0, 3).join(' ')} ${x.pctCore}%`).join(', ');
/** Unrounded: goals are judged on the exact ratio, and the tables print four significant digits. */
const ratio = (a: number, b: number) => a / b;
const shown = (r: number) => Number(r.toPrecision(4));

function printDrains(drains: DrainFigures[], payloadBytes: number): void {
  printTable(
    `Drain: ${P.drainEvents} events pre-filled (${payloadBytes}-byte TaskCreated, ${P.keys} keys, topic ${P.topic}), relay started (Debezium: resumed), until all are on the topic (broker append time)`,
    [
      'relay',
      'events/s',
      'after 1st 10% /s',
      'seconds',
      '1st record ms',
      'published',
      'dups',
      'order errs',
      'CPU ms/1000 ev relay / pg / kafka',
      'machine busy %',
    ],
    drains.map((d) => [
      d.relay,
      d.eventsPerS,
      d.eventsPerSAfterFirst10Pct,
      d.seconds,
      d.firstRecordMs,
      d.published,
      d.duplicates,
      d.orderViolations,
      `${d.cpuMsPer1000.relay} / ${d.cpuMsPer1000.postgres} / ${d.cpuMsPer1000.kafka}`,
      d.cpu.machineBusyPct,
    ]),
  );
}

function printSteadies(steadies: SteadyFigures[]): void {
  printTable(
    `Steady: writer offering ${P.steadyRatePerS}/s for ${P.steadyMs / 1000} s (single-row INSERT per autocommit transaction, ${(P.steadyRatePerS * P.steadyTickMs) / 1000} per ${P.steadyTickMs} ms tick, ${P.writerConnections} connections); latency = broker append time − commit`,
    [
      'relay',
      'trigger',
      'written/s',
      'commit p99 ms',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'own ack p50 / p99 ms',
      'unpublished',
      'dups',
      'order errs',
      'machine busy %',
    ],
    steadies.map((s) => [
      s.relay,
      s.notifyTrigger ? 'on' : 'off',
      s.writer.achievedPerS,
      s.writer.commitLatencyMs.p99,
      s.latencyMs.p50,
      s.latencyMs.p90,
      s.latencyMs.p99,
      s.latencyMs.max,
      s.ackLatencyMs ? `${s.ackLatencyMs.p50} / ${s.ackLatencyMs.p99}` : '-',
      s.unpublished,
      s.duplicates,
      s.orderViolations,
      s.cpu.machineBusyPct,
    ]),
  );
}

function printCpu(drains: DrainFigures[], steadies: SteadyFigures[]): void {
  printTable(
    'CPU during each scenario (% of one core, postgres = all its processes; the machine has 2 cores and is shared)',
    ['scenario', 'busiest'],
    [
      ...drains.map((d) => [`drain, ${d.relay}`, busiestText(d.busiest)]),
      ...steadies.map((s) => [`steady, ${s.relay}`, busiestText(s.busiest)]),
    ],
  );
}

interface Run {
  drains: DrainFigures[];
  steadies: SteadyFigures[];
}

const TS_NAME = 'ts-relay';
const DEBEZIUM_DEFAULT_NAME = 'debezium (default profile)';
const DEBEZIUM_TUNED_NAME = `debezium (tuned profile${Object.entries(P.debeziumSet)
  .map(([k, v]) => `, ${k}=${v}`)
  .join('')})`;

/** Debezium's drain and steady run, then its connector and slot dropped (none may decode WAL while another relay is measured). */
async function debeziumRun(
  relay: RelayUnderTest,
  pool: pg.Pool,
  writerPool: pg.Pool,
  log: TopicLog,
  fixture: Fixture,
): Promise<Run> {
  const drains = [await drain(pool, log, relay, fixture)];
  const steadies = [await steady(pool, writerPool, log, { relay, notifyTrigger: false }, fixture)];
  await relay.dispose();
  return { drains, steadies };
}

/** The default run: the TypeScript relay vs Debezium's default and tuned profiles. */
async function comparison(
  url: string,
  pool: pg.Pool,
  writerPool: pg.Pool,
  log: TopicLog,
  fixture: Fixture,
  relays: RelayUnderTest[],
): Promise<Run> {
  const ts = tsRelay(TS_NAME, url);
  const dbzDefault = debeziumRelay(DEBEZIUM_DEFAULT_NAME, url, { profile: 'default' });
  const dbzTuned = debeziumRelay(DEBEZIUM_TUNED_NAME, url, { profile: 'tuned', set: P.debeziumSet });
  relays.push(ts, dbzDefault, dbzTuned);
  const drains = [await drain(pool, log, ts, fixture)];
  const steadies: SteadyFigures[] = [];
  for (const dbz of [dbzDefault, dbzTuned]) {
    const r = await debeziumRun(dbz, pool, writerPool, log, fixture);
    drains.push(...r.drains);
    steadies.push(...r.steadies);
  }
  steadies.push(await steady(pool, writerPool, log, { relay: ts, notifyTrigger: false }, fixture));
  return { drains, steadies };
}

/** `--debezium-study`: the tuned profile (with `--debezium-set` on top) alone. */
async function debeziumStudyRun(
  url: string,
  pool: pg.Pool,
  writerPool: pg.Pool,
  log: TopicLog,
  fixture: Fixture,
  relays: RelayUnderTest[],
): Promise<Run> {
  const dbz = debeziumRelay(DEBEZIUM_TUNED_NAME, url, { profile: 'tuned', set: P.debeziumSet });
  relays.push(dbz);
  return debeziumRun(dbz, pool, writerPool, log, fixture);
}

/**
 * `--notify-study`: the TypeScript relay alone with each wake-up it can have (NOTIFY, the commit
 * signal's slot, the poll alone) and two poll intervals.
 */
async function notifyStudyRun(
  url: string,
  pool: pg.Pool,
  writerPool: pg.Pool,
  log: TopicLog,
  fixture: Fixture,
  relays: RelayUnderTest[],
): Promise<Run> {
  const scenarios: Scenario[] = [
    {
      relay: tsRelay('ts-relay, LISTEN on, poll 100 ms', url, { commitSignal: 'notify', pollIntervalMs: 100 }),
      notifyTrigger: true,
    },
    // Without LISTEN the trigger only costs: what it costs the writers.
    {
      relay: tsRelay('ts-relay, LISTEN off, poll 10 ms', url, { commitSignal: 'off', pollIntervalMs: 10 }),
      notifyTrigger: true,
    },
    {
      relay: tsRelay('ts-relay, no signal, poll 10 ms (production)', url, { commitSignal: 'off', pollIntervalMs: 10 }),
      notifyTrigger: false,
    },
    // The logical-replication commit signal (relay/commit-signal.ts), off in production.
    {
      relay: tsRelay('ts-relay, commit-signal slot, poll 10 ms', url, {
        commitSignal: 'slot',
        pollIntervalMs: 10,
      }),
      notifyTrigger: false,
    },
    // What the 10 ms poll buys back of what dropping NOTIFY costs in latency.
    {
      relay: tsRelay('ts-relay, LISTEN off, poll 100 ms', url, { commitSignal: 'off', pollIntervalMs: 100 }),
      notifyTrigger: false,
    },
  ];
  relays.push(...scenarios.map((s) => s.relay));
  const steadies: SteadyFigures[] = [];
  for (const s of scenarios) steadies.push(await steady(pool, writerPool, log, s, fixture));
  return { drains: [], steadies };
}

/** The side-by-side figures and ratios: what the coordinator's `npm run bench` reads from the JSON line. */
function sideBySide(run: Run) {
  const pick = (name: string) => {
    const d = run.drains.find((x) => x.relay === name)!;
    const s = run.steadies.find((x) => x.relay === name)!;
    return {
      drainPerSec: d.complete ? d.eventsPerS : 0,
      drainPerSecAfterFirst10Pct: d.complete ? d.eventsPerSAfterFirst10Pct : 0,
      p50Ms: s.latencyMs.p50,
      p90Ms: s.latencyMs.p90,
      p99Ms: s.latencyMs.p99,
      maxMs: s.latencyMs.max,
      /** Steady-state events never published, duplicates and order violations: each fails the run's goals. */
      unpublished: s.unpublished,
      faults: d.duplicates + d.orderViolations + s.duplicates + s.orderViolations + (d.complete ? 0 : 1),
    };
  };
  const relays = {
    ts: pick(TS_NAME),
    debezium: pick(DEBEZIUM_DEFAULT_NAME),
    debeziumTuned: pick(DEBEZIUM_TUNED_NAME),
  };
  const tuned = relays.debeziumTuned;
  const ratios = {
    drainTsOverDebezium: ratio(relays.ts.drainPerSec, tuned.drainPerSec),
    p99DebeziumOverTs: ratio(tuned.p99Ms, relays.ts.p99Ms),
    p50DebeziumOverTs: ratio(tuned.p50Ms, relays.ts.p50Ms),
    /** Against Debezium's defaults: what the tuning is worth. */
    drainTsOverDebeziumDefault: ratio(relays.ts.drainPerSec, relays.debezium.drainPerSec),
    p99DebeziumDefaultOverTs: ratio(relays.debezium.p99Ms, relays.ts.p99Ms),
  };
  const clean = relays.ts.unpublished === 0 && relays.ts.faults === 0;
  const goalsMet = {
    drain: clean && relays.ts.drainPerSec >= GOALS.minDrainPerS,
    drainRatio: clean && ratios.drainTsOverDebezium >= GOALS.minDrainRatioTsOverDebezium,
    p99: clean && relays.ts.p99Ms < GOALS.maxSteadyP99Ms,
    p99Ratio: clean && relays.ts.p99Ms <= tuned.p99Ms * GOALS.maxP99RatioTsOverDebezium,
  };
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  printTable(
    'TypeScript relay vs Debezium (same run, same machine, both measured on the topic); goals against the tuned profile',
    ['figure', 'ts-relay', 'debezium default', 'debezium tuned', 'ratio vs tuned', 'goal'],
    [
      [
        'drain events/s',
        relays.ts.drainPerSec,
        relays.debezium.drainPerSec,
        tuned.drainPerSec,
        `ts/dbz ${shown(ratios.drainTsOverDebezium)}`,
        `ts ≥ ${GOALS.minDrainPerS}: ${met(goalsMet.drain)}; ≥ ${GOALS.minDrainRatioTsOverDebezium}× dbz: ${met(goalsMet.drainRatio)}`,
      ],
      [
        'drain after 1st 10 %, events/s',
        relays.ts.drainPerSecAfterFirst10Pct,
        relays.debezium.drainPerSecAfterFirst10Pct,
        tuned.drainPerSecAfterFirst10Pct,
        `ts/dbz ${shown(ratio(relays.ts.drainPerSecAfterFirst10Pct, tuned.drainPerSecAfterFirst10Pct))}`,
        '',
      ],
      [
        'steady p50 ms',
        relays.ts.p50Ms,
        relays.debezium.p50Ms,
        tuned.p50Ms,
        `dbz/ts ${shown(ratios.p50DebeziumOverTs)}`,
        '',
      ],
      [
        'steady p99 ms',
        relays.ts.p99Ms,
        relays.debezium.p99Ms,
        tuned.p99Ms,
        `dbz/ts ${shown(ratios.p99DebeziumOverTs)}`,
        `ts < ${GOALS.maxSteadyP99Ms}: ${met(goalsMet.p99)}; ≤ ½ dbz: ${met(goalsMet.p99Ratio)}`,
      ],
      [
        'unpublished / faults',
        `${relays.ts.unpublished} / ${relays.ts.faults}`,
        `${relays.debezium.unpublished} / ${relays.debezium.faults}`,
        `${tuned.unpublished} / ${tuned.faults}`,
        '',
        `ts 0 / 0: ${met(clean)}`,
      ],
    ],
  );
  return {
    relays,
    ratios,
    goalsMet,
    debeziumProfiles: { default: 'default', tuned: 'tuned', tunedSet: P.debeziumSet },
  };
}

async function main(): Promise<void> {
  installKafkajsPatches();
  const started = Date.now();
  const busyAtStartPct = await busyBeforeStart();
  const log = new TopicLog(
    createKafka({ brokers: connectionConfig().kafkaBrokers, clientId: 'relay-bench', principal: 'admin', retries: 2 }),
    P.topic,
  );
  await log.connect();
  const relays: RelayUnderTest[] = [];
  let pool: pg.Pool | undefined;
  let writerPool: pg.Pool | undefined;
  let cleaning: Promise<void> | undefined;
  // Once, whether the run ends, fails or is interrupted: a Debezium slot left behind would pin WAL for good.
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const r of relays)
        await r.dispose().catch((err: Error) => progress(`cleaning up ${r.name} failed: ${err.message}`));
      await writerPool?.end();
      await pool?.end();
      await log.disconnect();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: removing the bench's connector and slot before exiting`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await log.ensure();
    await removeLeftovers(databaseUrl(DATABASE));
    progress(
      `preparing ${DATABASE}${quick ? ' (quick)' : ''}${notifyStudy ? ', NOTIFY study' : ''}${debeziumStudy ? ', Debezium study' : ''}, events go to ${P.topic}`,
    );
    const url = await freshDatabase(DATABASE);
    const machine = await machineInfo(url);
    pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'relay-bench' });
    writerPool = new pg.Pool({
      connectionString: url,
      max: P.writerConnections,
      application_name: 'relay-bench-writer',
    });
    const fixture = await makeFixture(P.topic, P.keys, P.payloadBytes);
    const payloadBytes = Math.round(fixture.payloads.reduce((s, p) => s + p.length, 0) / fixture.payloads.length);

    const study = notifyStudy ? notifyStudyRun : debeziumStudy ? debeziumStudyRun : comparison;
    const run = await study(url, pool, writerPool, log, fixture, relays);
    if (run.drains.length) printDrains(run.drains, payloadBytes);
    printSteadies(run.steadies);
    printCpu(run.drains, run.steadies);
    const compared = notifyStudy || debeziumStudy ? {} : sideBySide(run);
    console.log(
      `\nmachine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; postgres ${JSON.stringify(machine.postgres)}; machine busy before start ${busyAtStartPct}%`,
    );

    const bench = notifyStudy ? 'relay-notify-study' : debeziumStudy ? 'relay-debezium-study' : 'relay';
    writeResult(bench, {
      bench,
      quick,
      at: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      ...compared,
      machine,
      busyAtStartPct,
      params: {
        ...P,
        payloadBytesActual: payloadBytes,
        writerShape: 'single-row INSERT per autocommit transaction',
        measuredOn: 'broker append time (LogAppendTime) − commit time',
      },
      goals: GOALS,
      drain: run.drains,
      steady: run.steadies,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}

runBenchMain(main);
