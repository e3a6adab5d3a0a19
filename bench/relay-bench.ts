/**
 * `npm run bench:relay [-- --quick] [--topic NAME] [--writer-connections N]`: how fast a relay
 * empties a backlog, and how long an event waits between its commit and Kafka's acknowledgement
 * under a steady write load. The events go to todo.tasks.events unless --topic names another
 * (created like it when missing): on a shared broker, other people's consumers read the real one.
 *
 * Each entry of RELAYS is one relay configuration; every scenario it takes part in starts from an
 * empty outbox in a dedicated database. Latency is per row: ackedAt − committedAt, where
 * committedAt is PostgreSQL's commit timestamp of the writing transaction, so it includes the
 * time a row sits committed but unseen (poll interval, the batch in flight) and excludes the
 * writer's own time before commit.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { TOPICS, topicSpecs } from '../lib/topics.js';
import { busiestSince, busyBeforeStart, cpuMark, cpuMsBetween, cpuSince, freshDatabase, isKafkaBroker, isPostgres, isQuick, machineInfo, printTable, procSnapshot, progress, resetTables, sleep, summarize, writeResult, type LatencySummary } from './bench-kit.js';
import { makeFixture, prefill, steadyWriter, type WriterResult } from './outbox-load.js';
import { tsRelay, type OnPublished, type RelayUnderTest } from './relay-under-test.js';

const quick = isQuick();
const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
/** Where the events go. The real topic by default; --topic NAME sends them to a bench-owned copy of it. */
const TOPIC = argValue('--topic') ?? TOPICS.tasks;
const P = {
  topic: TOPIC,
  drainEvents: quick ? 20_000 : 100_000,
  keys: 1_000,
  payloadBytes: 300,
  steadyRatePerS: 1_000,
  steadyTickMs: 20,
  steadyWarmupMs: quick ? 1_000 : 3_000,
  steadyMs: quick ? 8_000 : 30_000,
  /** Concurrent writing transactions: several API replicas' worth. NOTIFY serialises their commits. */
  writerConnections: Number(argValue('--writer-connections') ?? 8),
};
const GOALS = { minDrainPerS: 20_000, maxSteadyP99Ms: 100 };
const DATABASE = 'todo_bench_relay';
const TABLES = ['outbox', 'outbox_held_keys', 'outbox_dead_letters'];

interface Entry {
  relay: RelayUnderTest;
  drain: boolean;
  steady: boolean;
  /** Whether the outbox's NOTIFY trigger fires during this entry's steady run. */
  notifyTrigger: boolean;
}

/** What a relay reported: counts, per-key order, and latencies of rows committed since `since`. */
class Collector {
  published = 0;
  batches = 0;
  orderViolations = 0;
  latenciesMs: number[] = [];
  firstAck?: number;
  lastAck?: number;
  /** Epoch ms: rows committed before it (warm-up) are counted but not timed. */
  since = 0;
  private readonly lastVersion = new Map<string, number>();

  readonly onPublished: OnPublished = (events, ackedAt) => {
    const now = performance.now();
    this.firstAck ??= now;
    this.lastAck = now;
    this.batches++;
    this.published += events.length;
    const acked = ackedAt.getTime();
    for (const e of events) {
      // A duplicate or a reordering within a key shows up as a version not above the last one.
      if (e.aggregateVersion <= (this.lastVersion.get(e.key) ?? 0)) this.orderViolations++;
      this.lastVersion.set(e.key, e.aggregateVersion);
      if (e.committedAt && e.committedAt.getTime() >= this.since) this.latenciesMs.push(acked - e.committedAt.getTime());
    }
  };
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/** The real topic must have been provisioned; a bench topic is created like it (same partitions and configs). */
async function ensureTopic(): Promise<void> {
  const admin = createKafka({ brokers: connectionConfig().kafkaBrokers, clientId: 'relay-bench', retries: 2 }).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(TOPIC)) return;
    if (TOPIC === TOPICS.tasks) throw new Error(`topic ${TOPIC} is missing: run npm run topics:provision`);
    const spec = topicSpecs().find((t) => t.name === TOPICS.tasks)!;
    const configEntries = Object.entries({ ...spec.extraConfig, 'retention.ms': String(spec.retentionMs) }).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: spec.partitions, configEntries }] });
  } finally {
    await admin.disconnect();
  }
}

type Fixture = Awaited<ReturnType<typeof makeFixture>>;
type Busiest = ReturnType<typeof busiestSince>;

interface DrainFigures {
  relay: string;
  events: number;
  published: number;
  complete: boolean;
  seconds: number;
  eventsPerS: number;
  /** The rate once the first batch was acknowledged (without connecting and electing). */
  eventsPerSAfterFirstAck: number;
  firstAckMs: number;
  batches: number;
  outboxLeft: number;
  orderViolations: number;
  cpu: ReturnType<typeof cpuSince>;
  /**
   * CPU ms per 1,000 events of the relay (this process), PostgreSQL and the Kafka broker: what the
   * drain costs whatever else runs, and which of the three would saturate a core first.
   */
  cpuMsPer1000: { relay: number; postgres: number; kafka: number };
  busiest: Busiest;
}

async function drain(pool: pg.Pool, relay: RelayUnderTest, fixture: Fixture): Promise<DrainFigures> {
  await resetTables(pool, TABLES);
  progress(`${relay.name}: pre-filling ${P.drainEvents} events`);
  await prefill(pool, fixture, P.drainEvents);
  await pool.query('analyze outbox');
  await pool.query('checkpoint');
  const c = new Collector();
  progress(`${relay.name}: draining`);
  const cpu0 = cpuMark();
  const procs0 = procSnapshot();
  const t0 = performance.now();
  await relay.start(c.onPublished);
  const complete = await waitFor(() => c.published >= P.drainEvents, quick ? 120_000 : 300_000);
  const cpu = cpuSince(cpu0);
  const procs1 = procSnapshot();
  const busiest = busiestSince(procs0, 4);
  const per1000 = (ms: number) => Math.round((ms / Math.max(1, c.published)) * 1000 * 10) / 10;
  const cpuMsPer1000 = {
    relay: per1000(cpuMsBetween(procs0, procs1, (pid) => pid === process.pid)),
    postgres: per1000(cpuMsBetween(procs0, procs1, isPostgres)),
    kafka: per1000(cpuMsBetween(procs0, procs1, isKafkaBroker)),
  };
  await relay.stop();
  const end = c.lastAck ?? performance.now();
  const { rows } = await pool.query<{ n: string }>('select count(*) as n from outbox');
  const firstBatch = Math.min(c.published, 2000);
  const afterFirst = c.firstAck !== undefined && end > c.firstAck ? (c.published - firstBatch) / ((end - c.firstAck) / 1000) : NaN;
  return {
    relay: relay.name,
    events: P.drainEvents,
    published: c.published,
    complete,
    seconds: Math.round((end - t0) / 10) / 100,
    eventsPerS: Math.round(c.published / ((end - t0) / 1000)),
    eventsPerSAfterFirstAck: Math.round(afterFirst),
    firstAckMs: Math.round((c.firstAck ?? NaN) - t0),
    batches: c.batches,
    outboxLeft: Number(rows[0]!.n),
    orderViolations: c.orderViolations,
    cpu,
    cpuMsPer1000,
    busiest,
  };
}

interface SteadyFigures {
  relay: string;
  notifyTrigger: boolean;
  writer: WriterResult;
  latencyMs: LatencySummary;
  published: number;
  unpublished: number;
  meanBatch: number;
  orderViolations: number;
  cpu: ReturnType<typeof cpuSince>;
  busiest: Busiest;
}

async function steady(pool: pg.Pool, writerPool: pg.Pool, e: Entry, fixture: Fixture): Promise<SteadyFigures> {
  await resetTables(pool, TABLES);
  await pool.query(`alter table outbox ${e.notifyTrigger ? 'enable' : 'disable'} trigger outbox_notify`);
  const versions = fixture.keys.map(() => 0);
  const c = new Collector();
  await e.relay.start(c.onPublished);
  progress(`${e.relay.name}: steady ${P.steadyRatePerS}/s, warm-up ${P.steadyWarmupMs / 1000} s, then ${P.steadyMs / 1000} s`);
  const warm = await steadyWriter(writerPool, fixture, versions, P.steadyRatePerS, P.steadyWarmupMs, P.steadyTickMs);
  c.since = Date.now();
  const batches0 = c.batches;
  const published0 = c.published;
  const cpu0 = cpuMark();
  const procs0 = procSnapshot();
  const w = await steadyWriter(writerPool, fixture, versions, P.steadyRatePerS, P.steadyMs, P.steadyTickMs);
  const cpu = cpuSince(cpu0);
  const busiest = busiestSince(procs0, 4);
  await waitFor(() => c.published >= warm.inserted + w.inserted, 30_000);
  await e.relay.stop();
  await pool.query('alter table outbox disable trigger outbox_notify');
  const measuredBatches = c.batches - batches0;
  return {
    relay: e.relay.name,
    notifyTrigger: e.notifyTrigger,
    writer: w,
    latencyMs: summarize(c.latenciesMs),
    published: c.published,
    unpublished: warm.inserted + w.inserted - c.published,
    meanBatch: measuredBatches ? Math.round((c.published - published0) / measuredBatches) : 0,
    orderViolations: c.orderViolations,
    cpu,
    busiest,
  };
}

const busiestText = (b: Busiest) => b.map((x) => `${x.command.split(' ').slice(0, 3).join(' ')} ${x.pctCore}%`).join(', ');

async function main(): Promise<void> {
  const started = Date.now();
  const busyAtStartPct = await busyBeforeStart();
  await ensureTopic();
  progress(`preparing ${DATABASE}${quick ? ' (quick)' : ''}, events go to ${TOPIC}`);
  const url = await freshDatabase(DATABASE);
  const machine = await machineInfo(url);
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'relay-bench' });
  const writerPool = new pg.Pool({ connectionString: url, max: P.writerConnections, application_name: 'relay-bench-writer' });
  // A Debezium entry goes here later; each scenario runs for every entry that takes part in it.
  // Without LISTEN the trigger only costs, so the honest "no NOTIFY" setup has both off.
  const RELAYS: Entry[] = [
    { relay: tsRelay('ts-relay, LISTEN on', { databaseUrl: url, listen: true }), drain: true, steady: true, notifyTrigger: true },
    { relay: tsRelay('ts-relay, LISTEN off', { databaseUrl: url, listen: false }), drain: false, steady: true, notifyTrigger: true },
    { relay: tsRelay('ts-relay, LISTEN off, no trigger', { databaseUrl: url, listen: false }), drain: false, steady: true, notifyTrigger: false },
    // Whether a shorter poll buys back what dropping NOTIFY costs in latency.
    { relay: tsRelay('ts-relay, LISTEN off, no trigger, poll 10 ms', { databaseUrl: url, listen: false, pollIntervalMs: 10 }), drain: false, steady: true, notifyTrigger: false },
  ];
  try {
    const fixture = await makeFixture(TOPIC, P.keys, P.payloadBytes);
    const payloadBytes = Math.round(fixture.payloads.reduce((s, p) => s + p.length, 0) / fixture.payloads.length);
    const drains: DrainFigures[] = [];
    for (const e of RELAYS.filter((x) => x.drain)) drains.push(await drain(pool, e.relay, fixture));
    const steadies: SteadyFigures[] = [];
    for (const e of RELAYS.filter((x) => x.steady)) steadies.push(await steady(pool, writerPool, e, fixture));

    printTable(
      `Drain: ${P.drainEvents} events pre-filled (${payloadBytes}-byte TaskCreated, ${P.keys} keys, topic ${TOPIC}), relay started, until all are acknowledged`,
      ['relay', 'events/s', 'after 1st ack /s', 'seconds', '1st ack ms', 'batches', 'left', 'order errs', 'CPU ms/1000 ev relay / pg / kafka', 'machine busy %', 'goal'],
      drains.map((d) => [d.relay, d.eventsPerS, d.eventsPerSAfterFirstAck, d.seconds, d.firstAckMs, d.batches, d.outboxLeft, d.orderViolations, `${d.cpuMsPer1000.relay} / ${d.cpuMsPer1000.postgres} / ${d.cpuMsPer1000.kafka}`, d.cpu.machineBusyPct, `≥ ${GOALS.minDrainPerS}: ${d.complete && d.eventsPerS >= GOALS.minDrainPerS ? 'met' : 'MISSED'}`]),
    );
    printTable(
      `Steady: writer offering ${P.steadyRatePerS}/s for ${P.steadyMs / 1000} s (single-row INSERT per autocommit transaction, ${(P.steadyRatePerS * P.steadyTickMs) / 1000} per ${P.steadyTickMs} ms tick, ${P.writerConnections} connections); latency = Kafka ack − commit`,
      ['relay', 'trigger', 'written/s', 'commit p99 ms', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'rows/batch', 'unpublished', 'order errs', 'machine busy %', 'goal'],
      steadies.map((s) => [s.relay, s.notifyTrigger ? 'on' : 'off', s.writer.achievedPerS, s.writer.commitLatencyMs.p99, s.latencyMs.p50, s.latencyMs.p90, s.latencyMs.p99, s.latencyMs.max, s.meanBatch, s.unpublished, s.orderViolations, s.cpu.machineBusyPct, `p99 < ${GOALS.maxSteadyP99Ms}: ${s.latencyMs.p99 < GOALS.maxSteadyP99Ms ? 'met' : 'MISSED'}`]),
    );
    printTable('CPU during each scenario (% of one core, postgres = all its processes; the machine has 2 cores and is shared)', ['scenario', 'busiest'], [
      ...drains.map((d) => [`drain, ${d.relay}`, busiestText(d.busiest)]),
      ...steadies.map((s) => [`steady, ${s.relay}`, busiestText(s.busiest)]),
    ]);
    console.log(`\nmachine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; postgres ${JSON.stringify(machine.postgres)}; machine busy before start ${busyAtStartPct}%`);

    writeResult('relay', {
      bench: 'relay',
      quick,
      at: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      machine,
      busyAtStartPct,
      params: { ...P, payloadBytesActual: payloadBytes, writerShape: 'single-row INSERT per autocommit transaction' },
      goals: GOALS,
      drain: drains.map((d) => ({ ...d, met: d.complete && d.eventsPerS >= GOALS.minDrainPerS })),
      steady: steadies.map((s) => ({ ...s, met: s.latencyMs.p99 < GOALS.maxSteadyP99Ms })),
    });
  } finally {
    for (const e of RELAYS) await e.relay.stop().catch(() => undefined);
    await pool.query('alter table outbox enable trigger outbox_notify').catch(() => undefined);
    await writerPool.end();
    await pool.end();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
