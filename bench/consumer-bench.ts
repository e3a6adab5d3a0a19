/**
 * `npm run bench:consumers [-- --quick] [--steady-rate N]`: how fast each consumer group works through its topics,
 * inbox dedupe included, and how long an event waits between its commit and its processing.
 *
 * The services run as in production: the TypeScript relay and each consumer group as their own
 * process (`relay/main.ts`, `consumers/main.ts <group>`), on a dedicated database, on the real
 * topics but under bench-owned Kafka group ids whose offsets start where the bench's events do.
 * The events are TaskCreated values with a due date and a reminder, so the chain is the real one:
 * reminder-scheduler-cg and task-broadcaster-cg write ReminderScheduled and TaskChanged events
 * through the outbox, which reminder-trigger-cg and audit-log-cg consume in turn.
 *
 * Both times come from PostgreSQL's commit timestamps (`track_commit_timestamp`), so no clock of
 * ours is involved: an event is committed when its outbox row's transaction commits (copied by a
 * bench-only trigger into `bench_event_commits`, because the relay deletes outbox rows), and
 * processed when the consumer's transaction holding its `processed_events` row (the inbox entry,
 * written with the side effects) commits.
 *
 * - Backlog: N events are published before a group starts; the group alone works through them.
 *   Rate = events / (last − first processing commit), so process start-up and group join are out;
 *   so is the consumer process's CPU per event, counted from its first processed event.
 * - Steady steps (capacity): all groups and the relay run while a writer commits TaskCreated rows
 *   at a fixed rate, step after step (250, 500, 1,000, 1,500, 2,000/s; `--steady-rate N` runs N
 *   alone); latency per group over the events committed after each step's warm-up. A group passes
 *   a step when it processed every event and its p99 stayed under 200 ms; its capacity is the
 *   highest rate it passed, the chain's the highest rate every group passed. The steps stop after
 *   the first one the chain fails; when that is the first, lower rates are tried (100, then 50/s)
 *   until the chain passes; 0 means even 50/s failed.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';
import { prepareAll } from '../scripts/prepare.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { CONSUMER_GROUPS, TOPICS, type ConsumerGroup } from '../lib/topics.js';
import { spawnBenchChild, type BenchChild } from './bench-child.js';
import {
  busyBeforeStart,
  cpuMark,
  cpuMsBetween,
  cpuSince,
  freshDatabase,
  isQuick,
  machineInfo,
  printTable,
  procSnapshot,
  progress,
  runBenchMain,
  sleep,
  writeResult,
  type ProcSnapshot,
} from './bench-kit.js';
import { makeFixture, prefill, steadyWriter, type OutboxFixture, type WriterResult } from './outbox-load.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';

const quick = isQuick();
/** The writer commits whole rows per 20 ms tick: rates are multiples of 50/s. */
const MIN_STEADY_RATE = 50;
const halfStep = (rate: number) => Math.floor(rate / 2 / MIN_STEADY_RATE) * MIN_STEADY_RATE;
/** TaskCreated rows written per second in each steady step (each causes two more events downstream). */
function steadyRates(): number[] {
  const i = process.argv.indexOf('--steady-rate');
  if (i < 0) return quick ? [250, 500, 1_000] : [250, 500, 1_000, 1_500, 2_000];
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < MIN_STEADY_RATE || n % MIN_STEADY_RATE !== 0)
    throw new Error(
      `--steady-rate takes a whole number of events per second (a multiple of 50), not "${process.argv[i + 1] ?? ''}"`,
    );
  return [n];
}
const P = {
  backlogEvents: quick ? 2_000 : 10_000,
  steadyRates: steadyRates(),
  /** The step whose figures stand for "steady" in the report (the former single rate). */
  reportedRatePerS: 1_000,
  steadyTickMs: 20,
  // The groups' processes start right before the steady phase: at 1,000/s their first seconds
  // (module loading, JIT, pools filling) put the whole machine seconds behind, and the catch-up
  // that follows took 10 s. The figure is the steady state, so that is left out.
  steadyWarmupMs: quick ? 5_000 : 10_000,
  steadyMs: quick ? 8_000 : 15_000,
  writerConnections: 8,
  payloadBytes: 300,
};
const GOALS = { maxSteadyP99Ms: 200, minChainPerS: 1_000 };
const DATABASE = 'todo_bench_consumers';

/** The topics each group reads (the handlers' subscriptions). */
const GROUP_TOPICS: Record<ConsumerGroup, string[]> = {
  'recurring-task-cg': [TOPICS.tasks],
  'reminder-scheduler-cg': [TOPICS.tasks],
  'task-broadcaster-cg': [TOPICS.tasks],
  'reminder-trigger-cg': [TOPICS.reminders],
  'audit-log-cg': [TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast],
};
/** Backlog order: the groups that emit events run before the groups that read them. */
const BACKLOG_ORDER: ConsumerGroup[] = [
  'recurring-task-cg',
  'reminder-scheduler-cg',
  'task-broadcaster-cg',
  'reminder-trigger-cg',
  'audit-log-cg',
];

type Offsets = Map<string, { partition: number; offset: string }[]>;

const runId = randomUUID().slice(0, 8);
const kafka = createKafka({
  brokers: connectionConfig().kafkaBrokers,
  clientId: 'consumer-bench',
  principal: 'admin',
  retries: 3,
});
const admin = kafka.admin();

async function endOffsets(): Promise<Offsets> {
  const out: Offsets = new Map();
  for (const topic of Object.values(TOPICS)) {
    out.set(
      topic,
      (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.offset })),
    );
  }
  return out;
}

/** A fresh Kafka group id for `group` whose committed offsets are `from` (the bench's first events). */
async function benchGroupAt(group: ConsumerGroup, phase: string, from: Offsets): Promise<string> {
  const groupId = `${group}-bench-${phase}-${runId}`; // prefixed by the group: its ACL
  for (const topic of GROUP_TOPICS[group]) await admin.setOffsets({ groupId, topic, partitions: from.get(topic)! });
  return groupId;
}

function startConsumer(group: ConsumerGroup, groupId: string, databaseUrl: string): BenchChild {
  return spawnBenchChild(group, 'consumers/main.ts', [group], {
    DATABASE_URL: databaseUrl,
    CONSUMER_KAFKA_GROUP_ID: groupId,
    CONSUMER_METRICS_PORT: '0',
    // No reminder falls due during a run; the ticks would only add queries.
    CONSUMER_TICK_CRON: '0 0 1 1 *',
  });
}

function startRelay(databaseUrl: string): BenchChild {
  return spawnBenchChild('relay', 'relay/main.ts', [], {
    DATABASE_URL: databaseUrl,
    RELAY_METRICS_PORT: '0',
    RELAY_INSTANCE_ID: `bench-consumers-${runId}`,
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) {
      progress(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
      return false;
    }
    await sleep(250);
  }
  return true;
}

const count = async (db: pg.Pool, sql: string, params: unknown[] = []): Promise<number> =>
  Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);

/** Bench events on the group's topics, committed at or after `since` (epoch ms; 0 for all). */
const expectedFor = (db: pg.Pool, group: ConsumerGroup, since = 0) =>
  count(
    db,
    `select count(*) as n from bench_event_commits where topic = any($1) and pg_xact_commit_timestamp(xmin) >= to_timestamp($2 / 1000.0)`,
    [GROUP_TOPICS[group], since],
  );

const processedFor = (db: pg.Pool, group: ConsumerGroup, since = 0) =>
  count(
    db,
    `select count(*) as n from processed_events p join bench_event_commits c using (event_id)
      where p.consumer_group = $1 and pg_xact_commit_timestamp(c.xmin) >= to_timestamp($2 / 1000.0)`,
    [group, since],
  );

/**
 * The fixture's tasks as rows. The API writes a task's row with its TaskCreated, and
 * reminder-scheduler-cg schedules only for a task it finds in its database (an event of another
 * database on the shared topic has none): without the rows it ignores every bench event, and
 * reminder-trigger-cg gets no ReminderScheduled. Version 1 is at or below every fixture event's.
 */
async function insertTaskRows(db: pg.Pool, f: OutboxFixture): Promise<void> {
  await db.query(
    `insert into tasks (id, user_id, title, due_date, reminder_lead_minutes, version, updated_at)
     select k::uuid, u, 'Benchmark task: review the quarterly figures', now() + interval '1 day', 15, 1, now()
       from unnest($1::text[], $2::text[]) as t(k, u)`,
    [f.keys, f.userIds],
  );
}

interface BacklogFigures {
  group: ConsumerGroup;
  events: number;
  processed: number;
  complete: boolean;
  perSec: number;
  /** CPU of the consumer process per event, from its first processed event to the last. */
  cpuMsPerEvent: number;
}

async function backlog(db: pg.Pool, url: string, group: ConsumerGroup, from: Offsets): Promise<BacklogFigures> {
  const events = await expectedFor(db, group);
  progress(`backlog: ${group} on ${events} events`);
  const consumer = startConsumer(group, await benchGroupAt(group, 'backlog', from), url);
  const isConsumer = (pid: number) => pid === consumer.child.pid;
  let first: { cpu: ProcSnapshot; processed: number } | undefined;
  try {
    const complete = await waitUntil(
      `${group} to process its backlog`,
      async () => {
        const n = await processedFor(db, group);
        if (!first && n > 0) first = { cpu: procSnapshot(), processed: n };
        return n >= events;
      },
      quick ? 120_000 : 600_000,
    );
    const cpuMs = first ? cpuMsBetween(first.cpu, procSnapshot(), isConsumer) : NaN;
    const { rows } = await db.query<{ n: string; seconds: number | null }>(
      `select count(*) as n, extract(epoch from max(pg_xact_commit_timestamp(xmin)) - min(pg_xact_commit_timestamp(xmin)))::float8 as seconds
         from processed_events where consumer_group = $1`,
      [group],
    );
    const processed = Number(rows[0]!.n);
    const seconds = rows[0]!.seconds ?? 0;
    const cpuMsPerEvent =
      first && processed > first.processed ? Math.round((cpuMs / (processed - first.processed)) * 100) / 100 : NaN;
    return {
      group,
      events,
      processed,
      complete,
      perSec: seconds > 0 ? Math.round((processed - 1) / seconds) : 0,
      cpuMsPerEvent,
    };
  } finally {
    await consumer.stop();
  }
}

interface SteadyFigures {
  group: ConsumerGroup;
  expected: number;
  processed: number;
  perSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function steadyLatency(
  db: pg.Pool,
  group: ConsumerGroup,
  since: number,
  seconds: number,
): Promise<SteadyFigures> {
  const { rows } = await db.query<{
    n: string;
    p50: number | null;
    p90: number | null;
    p99: number | null;
    max: number | null;
  }>(
    `with l as (
       select extract(epoch from pg_xact_commit_timestamp(p.xmin) - pg_xact_commit_timestamp(c.xmin))::float8 * 1000 as ms
         from processed_events p join bench_event_commits c using (event_id)
        where p.consumer_group = $1 and pg_xact_commit_timestamp(c.xmin) >= to_timestamp($2 / 1000.0))
     select count(*) as n,
            percentile_disc(0.5) within group (order by ms) as p50, percentile_disc(0.9) within group (order by ms) as p90,
            percentile_disc(0.99) within group (order by ms) as p99, max(ms) as max
       from l`,
    [group, since],
  );
  const r = rows[0]!;
  const round = (v: number | null) => (v === null ? NaN : Math.round(v * 10) / 10);
  const processed = Number(r.n);
  return {
    group,
    expected: await expectedFor(db, group, since),
    processed,
    perSec: Math.round(processed / seconds),
    p50Ms: round(r.p50),
    p90Ms: round(r.p90),
    p99Ms: round(r.p99),
    maxMs: round(r.max),
  };
}

/** Waits until every group has a member (joined and assigned), so nothing written next waits for a rebalance. */
async function waitForMembers(groupIds: string[]): Promise<void> {
  await waitUntil(
    'the consumer groups to be stable',
    async () =>
      (await admin.describeGroups(groupIds)).groups.every((g) => g.state === 'Stable' && g.members.length > 0),
    60_000,
  );
}

const passed = (s: SteadyFigures) => s.processed >= s.expected && s.p99Ms < GOALS.maxSteadyP99Ms;

interface StepFigures {
  rate: number;
  writer: WriterResult;
  cpu: ReturnType<typeof cpuSince>;
  steadies: SteadyFigures[];
}

/** One steady step at `rate` TaskCreated/s: warm-up, measured window, every group caught up. */
async function steadyStep(db: pg.Pool, writerPool: pg.Pool, rate: number): Promise<StepFigures> {
  // A task per event, so each TaskCreated schedules a reminder and the whole chain runs: with
  // fewer keys a task's later TaskCreated finds its reminder in place and causes no
  // ReminderScheduled, and reminder-trigger-cg had nothing to do in the measured window.
  const keys = Math.ceil((rate * (P.steadyWarmupMs + P.steadyMs)) / 1000) + rate;
  const fixture = await makeFixture(TOPICS.tasks, keys, P.payloadBytes);
  await insertTaskRows(db, fixture);
  const versions = fixture.keys.map(() => 0);
  progress(`steady: ${rate}/s, warm-up ${P.steadyWarmupMs / 1000} s, then ${P.steadyMs / 1000} s`);
  await steadyWriter(writerPool, fixture, versions, rate, P.steadyWarmupMs, P.steadyTickMs);
  const since = Date.now();
  const cpu0 = cpuMark();
  const writer = await steadyWriter(writerPool, fixture, versions, rate, P.steadyMs, P.steadyTickMs);
  const cpu = cpuSince(cpu0);
  const caughtUp = async () => {
    for (const g of CONSUMER_GROUPS)
      if ((await processedFor(db, g, since)) < (await expectedFor(db, g, since))) return false;
    return true;
  };
  await waitUntil('every group to catch up', caughtUp, 120_000);
  const steadies: SteadyFigures[] = [];
  for (const g of CONSUMER_GROUPS) steadies.push(await steadyLatency(db, g, since, P.steadyMs / 1000));
  return { rate, writer, cpu, steadies };
}

async function main(): Promise<void> {
  installKafkajsPatches();
  const started = Date.now();
  await prepareAll(progress);
  const busyAtStartPct = await busyBeforeStart();
  await admin.connect();
  progress(`preparing ${DATABASE}${quick ? ' (quick)' : ''}`);
  const url = await freshDatabase(DATABASE);
  const machine = await machineInfo(url);
  const db = new pg.Pool({ connectionString: url, max: 3, application_name: 'consumer-bench' });
  const writerPool = new pg.Pool({
    connectionString: url,
    max: P.writerConnections,
    application_name: 'consumer-bench-writer',
  });
  await db.query(`
    create table bench_event_commits (event_id uuid primary key, topic text not null);
    create function bench_log_event() returns trigger language plpgsql as $$
      begin insert into bench_event_commits values (new.event_id, new.topic); return null; end $$;
    create trigger bench_log_event after insert on outbox for each row execute function bench_log_event();
    alter table outbox disable trigger outbox_notify;`);
  const children: BenchChild[] = [];
  try {
    // Backlog: every group's input is on Kafka before the group starts.
    const from = await endOffsets();
    progress(`backlog: writing ${P.backlogEvents} TaskCreated events and relaying them`);
    const backlogFixture = await makeFixture(TOPICS.tasks, P.backlogEvents, P.payloadBytes);
    await insertTaskRows(db, backlogFixture);
    await prefill(db, backlogFixture, P.backlogEvents);
    const relay = startRelay(url);
    children.push(relay);
    const outboxEmpty = async () => (await count(db, 'select count(*) as n from outbox')) === 0;
    await waitUntil('the relay to publish the backlog', outboxEmpty, 120_000);
    const backlogs: BacklogFigures[] = [];
    for (const group of BACKLOG_ORDER) {
      backlogs.push(await backlog(db, url, group, from));
      // What the group emitted is the next groups' input.
      await waitUntil('the relay to publish derived events', outboxEmpty, 120_000);
    }

    // Steady steps: every group and the relay at once, at rising write rates.
    const steadyFrom = await endOffsets();
    const groupIds = await Promise.all(
      CONSUMER_GROUPS.map(async (g) => [g, await benchGroupAt(g, 'steady', steadyFrom)] as const),
    );
    for (const [g, id] of groupIds) children.push(startConsumer(g, id, url));
    await waitForMembers(groupIds.map(([, id]) => id));
    const steps: StepFigures[] = [];
    for (const rate of P.steadyRates) {
      const step = await steadyStep(db, writerPool, rate);
      steps.push(step);
      if (!step.steadies.every(passed)) break;
    }
    // The chain failed the first rung: lower rates (100, then 50/s) until it passes.
    if (steps.length === 1 && !steps[0]!.steadies.every(passed) && P.steadyRates.length > 1)
      for (let rate = halfStep(steps[0]!.rate); rate >= MIN_STEADY_RATE; rate = halfStep(rate)) {
        const step = await steadyStep(db, writerPool, rate);
        steps.push(step);
        if (step.steadies.every(passed)) break;
      }
    steps.sort((a, b) => a.rate - b.rate);
    const reported = steps.find((x) => x.rate === P.reportedRatePerS) ?? steps.at(-1)!;
    const { writer, cpu, steadies } = reported;
    const capacityOf = (g: ConsumerGroup) =>
      Math.max(0, ...steps.filter((x) => x.steadies.find((y) => y.group === g && passed(y))).map((x) => x.rate));
    const capacity = {
      chainTaskCreatedPerSec: Math.max(0, ...steps.filter((x) => x.steadies.every(passed)).map((x) => x.rate)),
      groups: Object.fromEntries(
        CONSUMER_GROUPS.map((g) => [
          g,
          { taskCreatedPerSec: capacityOf(g), cpuMsPerEvent: backlogs.find((b) => b.group === g)!.cpuMsPerEvent },
        ]),
      ),
    };

    printTable(
      `Backlog: ${P.backlogEvents} TaskCreated events (and the events they cause) on Kafka before each group starts alone; rate from first to last processing commit`,
      ['group', 'events', 'processed', 'events/s', 'consumer CPU ms/event'],
      backlogs.map((b) => [
        b.group,
        b.events,
        b.complete ? b.processed : `${b.processed} (incomplete)`,
        b.perSec,
        b.cpuMsPerEvent,
      ]),
    );
    printTable(
      `Capacity: steady steps of ${P.steadyMs / 1000} s after ${P.steadyWarmupMs / 1000} s warm-up; a group passes a step with every event processed and p99 < ${GOALS.maxSteadyP99Ms} ms`,
      ['TaskCreated/s offered (achieved)', ...CONSUMER_GROUPS.map((g) => `${g} p99 ms`), 'chain'],
      steps.map((x) => [
        `${x.rate} (${x.writer.achievedPerS})`,
        ...CONSUMER_GROUPS.map((g) => {
          const y = x.steadies.find((z) => z.group === g)!;
          return `${y.p99Ms}${passed(y) ? '' : ` (${y.processed}/${y.expected}) MISSED`}`;
        }),
        x.steadies.every(passed) ? 'passed' : 'failed',
      ]),
    );
    console.log(
      `capacity: whole chain ${capacity.chainTaskCreatedPerSec} TaskCreated/s (goal ≥ ${GOALS.minChainPerS}: ${capacity.chainTaskCreatedPerSec >= GOALS.minChainPerS ? 'met' : 'MISSED'}); ${CONSUMER_GROUPS.map((g) => `${g} ${capacity.groups[g]?.taskCreatedPerSec}`).join(', ')}`,
    );
    printTable(
      `Steady: writer offering ${reported.rate} TaskCreated/s (achieved ${writer.achievedPerS}/s) for ${P.steadyMs / 1000} s, relay and all groups running; latency = processing commit − event commit`,
      ['group', 'events', 'processed', 'events/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'goal'],
      steadies.map((s) => [
        s.group,
        s.expected,
        s.processed,
        s.perSec,
        s.p50Ms,
        s.p90Ms,
        s.p99Ms,
        s.maxMs,
        `p99 < ${GOALS.maxSteadyP99Ms}, all processed: ${passed(s) ? 'met' : 'MISSED'}`,
      ]),
    );
    console.log(
      `\nmachine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; machine busy before start ${busyAtStartPct}%, during steady ${cpu.machineBusyPct}%`,
    );

    const consumers = Object.fromEntries(
      CONSUMER_GROUPS.map((g) => {
        const b = backlogs.find((x) => x.group === g)!;
        const s = steadies.find((x) => x.group === g)!;
        return [
          g,
          {
            perSec: b.perSec,
            p50Ms: s.p50Ms,
            p99Ms: s.p99Ms,
            backlog: b,
            steady: s,
            processed: s.processed,
            expected: s.expected,
            met: passed(s),
          },
        ];
      }),
    );
    writeResult('consumers', {
      bench: 'consumers',
      quick,
      at: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      machine,
      busyAtStartPct,
      params: P,
      goals: GOALS,
      writer,
      steadyMachineBusyPct: cpu.machineBusyPct,
      steadyRatePerS: reported.rate,
      consumers,
      capacity,
      steps: steps.map((x) => ({
        rate: x.rate,
        writer: x.writer,
        machineBusyPct: x.cpu.machineBusyPct,
        steadies: x.steadies,
      })),
    });
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await admin.disconnect();
    await writerPool.end();
    await db.end();
  }
}

runBenchMain(main);
