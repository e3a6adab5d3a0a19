/**
 * `npm run bench:e2e [-- --quick] [--rates 10,100,200,500,1000] [--relay ts|debezium|both]`: what
 * a person waits for. The product runs as under `npm start` (the API, a relay, all five consumer
 * groups, each its own process) on a database of its own; every user keeps a live stream open
 * (`GET /api/:userId/events`); a client POSTs tasks at a fixed rate (open loop: each write is timed
 * from when it was due, so a stalled chain is charged for the writes it delays) spread over the
 * users, and times each until its `TaskChanged` arrives on its user's stream.
 *
 * Per rate: p50/p90/p99/max, writes whose change never arrived (`missing`), non-2xx answers, and
 * on each stream duplicates and sequence regressions (each a failure). Where the time went, per
 * write, from clocks of one machine:
 *   api          due → the task's commit (PostgreSQL's commit timestamp of the tasks row)
 *   relay        commit → TaskCreated on todo.tasks.events (record timestamp)
 *   broadcaster  → task-broadcaster-cg's commit (its inbox row's commit timestamp)
 *   relay again  → TaskChanged on todo.task_updates.broadcast (record timestamp)
 *   feed + SSE   → the frame read by the client
 * Our relay and Debezium (the production connector, tuned profile) run the same rates one after
 * the other, with the API and consumers left running between them; each starts with 20 s of
 * unmeasured writes, so neither meets a cold chain.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { signToken } from '../api/http/auth.js';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';
import { CONSUMER_GROUPS, TOPICS, type ConsumerGroup } from '../lib/topics.js';
import { defaultNames } from '../debezium/connector.js';
import { devJwtSecret } from '../scripts/dev-secrets.js';
import { prepareAll } from '../scripts/prepare.js';
import { spawnBenchChild, startApi, type BenchChild } from './bench-child.js';
import {
  argValue,
  busiestSince,
  busyBeforeStart,
  databaseUrl,
  freshDatabase,
  isQuick,
  machineInfo,
  printTable,
  procSnapshot,
  progress,
  runBenchMain,
  sleep,
  summarize,
  writeResult,
  type LatencySummary,
} from './bench-kit.js';
import { removeLeftovers } from './debezium-relay-under-test.js';
import { HttpTarget } from './http-load.js';
import { TopicLog, type Offsets } from './topic-log.js';

const quick = isQuick();
const RATES = (argValue('--rates') ?? '10,100,200,500,1000').split(',').map(Number);
if (RATES.some((r) => !Number.isInteger(r) || r < 1)) throw new Error('--rates takes whole writes/s, comma-separated');
const RELAYS = ((): ('ts' | 'debezium')[] => {
  const r = argValue('--relay') ?? 'both';
  if (r === 'both') return ['ts', 'debezium'];
  if (r === 'ts' || r === 'debezium') return [r];
  throw new Error(`--relay takes ts, debezium or both, not "${r}"`);
})();
const P = {
  rates: RATES,
  /** Users writing at each rate (each with its own stream open): one at 10/s, then many. */
  usersAt: (rate: number) => (rate <= 10 ? 1 : rate <= 200 ? 50 : 100),
  warmupMs: quick ? 1_000 : 3_000,
  /** Unmeasured writes when a relay starts, so neither relay meets a cold chain (see warmChain). */
  chainWarmup: { rate: 100, ms: quick ? 5_000 : 20_000 },
  measureMs: quick ? 4_000 : 10_000,
  /** How long after the last write a change may still arrive before it counts as missing. */
  settleMs: 15_000,
  sockets: 64,
};
const GOALS = { p99MsAt500: 100, minRateForGoal: 500 };
const DATABASE = 'todo_bench_e2e';
const runId = randomUUID().slice(0, 8);

/** One frame of a user's stream, as the client read it. */
interface Arrival {
  title: string;
  id: string;
  sequence: number;
  sourceEventId: string;
  taskId: string;
  at: number;
}

/** A user's live stream: frames parsed as they arrive, with duplicate and order checks. */
class UserStream {
  readonly arrivals: Arrival[] = [];
  duplicates = 0;
  regressions = 0;
  private readonly ids = new Set<string>();
  private lastSequence = 0;
  private buffer = '';
  private req: http.ClientRequest | undefined;

  constructor(
    readonly userId: string,
    private readonly token: string,
  ) {}

  open(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: `/api/${this.userId}/events`,
          headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' },
          agent: false,
        },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`stream of ${this.userId}: ${res.statusCode}`));
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => this.onData(chunk));
          resolve();
        },
      );
      this.req.on('error', reject);
    });
  }

  private onData(chunk: string): void {
    const at = Date.now();
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      const id = /^id: (.*)$/m.exec(frame)?.[1];
      if (!data || !id) continue;
      const d = JSON.parse(data) as {
        taskId: string;
        sequence: number;
        sourceEventId: string;
        snapshot: { title: string } | null;
      };
      if (this.ids.has(id)) {
        this.duplicates++;
        continue;
      }
      this.ids.add(id);
      if (d.sequence <= this.lastSequence) this.regressions++;
      this.lastSequence = d.sequence;
      this.arrivals.push({
        title: d.snapshot?.title ?? '',
        id,
        sequence: d.sequence,
        sourceEventId: d.sourceEventId,
        taskId: d.taskId,
        at,
      });
    }
  }

  close(): void {
    this.req?.destroy();
  }
}

interface Hops {
  api: LatencySummary;
  relay: LatencySummary;
  broadcaster: LatencySummary;
  relayAgain: LatencySummary;
  feedAndSse: LatencySummary;
}

/** Who used the CPU, in % of one core (the machine has `cores` × 100). */
type CpuByRole = Record<'kafka' | 'postgres' | 'consumers' | 'api' | 'relay' | 'connect' | 'bench' | 'other', number>;

/** CPU from the first measured write until its changes arrived (or the settle time ran out). */
interface CpuFigures {
  pctOfCore: CpuByRole;
  windowMs: number;
  /** Every process's CPU but the bench's, per accepted write. */
  msPerAcceptedWrite: number;
}

/** Which part of the chain a process is, by its command line as `busiestSince` labels it. */
const ROLES: [RegExp, keyof CpuByRole][] = [
  [/kafka\.Kafka/, 'kafka'],
  [/^postgres$/, 'postgres'],
  [/consumers\/main/, 'consumers'],
  [/api\/main/, 'api'],
  [/relay\/main|relay-main/, 'relay'],
  [/ConnectDistributed/, 'connect'],
  [/e2e-bench/, 'bench'],
];

/** The per-process figures of `busiestSince`, by the part of the chain each process is. */
function cpuByRole(rows: { pctCore: number; command: string }[]): CpuByRole {
  const out: CpuByRole = { kafka: 0, postgres: 0, consumers: 0, api: 0, relay: 0, connect: 0, bench: 0, other: 0 };
  for (const { pctCore, command } of rows) {
    const role = ROLES.find(([pattern]) => pattern.test(command))?.[1] ?? 'other';
    out[role] += pctCore;
  }
  return out;
}

interface RateFigures extends LatencySummary {
  rate: number;
  users: number;
  writes: number;
  missing: number;
  non2xx: number;
  duplicates: number;
  regressions: number;
  hops: Hops;
  cpu: CpuFigures;
}

function taskBody(title: string): string {
  return JSON.stringify({
    title,
    description: 'Collect the figures from finance and send the draft to the team before Thursday.',
    dueDate: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    priority: 'High',
    tags: ['work', 'reports'],
    reminderLeadMinutes: 30,
  });
}

/** Writes at `rate` for `ms` over `users`, round-robin; returns each write's due time by title. */
async function writeAt(
  target: HttpTarget,
  users: { userId: string; token: string }[],
  rate: number,
  ms: number,
  label: string,
): Promise<{ due: Map<string, number>; non2xx: number }> {
  // Only accepted writes are kept: a refused one (a 503 under overload) has no change to wait for.
  const due = new Map<string, number>();
  let non2xx = 0;
  const total = Math.round((rate * ms) / 1000);
  const interval = 1000 / rate;
  const start = Date.now() + 5;
  const pending: Promise<void>[] = [];
  for (let sent = 0; sent < total;) {
    const now = Date.now();
    while (sent < total && start + sent * interval <= now) {
      const at = start + sent * interval;
      const u = users[sent % users.length]!;
      const title = `${label} #${sent}`;
      due.set(title, at);
      sent++;
      pending.push(
        target
          .send({
            path: `/api/${u.userId}/tasks`,
            headers: { authorization: `Bearer ${u.token}` },
            body: taskBody(title),
          })
          .then(
            (status) => {
              if (status >= 200 && status < 300) return;
              non2xx++;
              due.delete(title);
            },
            () => {
              non2xx++;
              due.delete(title);
            },
          ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { due, non2xx };
}

/** Commit timestamps (epoch ms) of the tasks' rows and of the broadcaster's inbox rows. */
async function commitTimes(
  db: pg.Pool,
  titles: string[],
  sourceEventIds: string[],
): Promise<{ tasks: Map<string, number>; broadcaster: Map<string, number> }> {
  const t = await db.query<{ title: string; at: Date }>(
    `select title, pg_xact_commit_timestamp(xmin) as at from tasks where title = any($1)`,
    [titles],
  );
  const b = await db.query<{ event_id: string; at: Date }>(
    `select event_id::text, pg_xact_commit_timestamp(xmin) as at from processed_events
      where consumer_group = 'task-broadcaster-cg' and event_id = any($1::uuid[])`,
    [sourceEventIds],
  );
  return {
    tasks: new Map(t.rows.map((r) => [r.title, r.at.getTime()])),
    broadcaster: new Map(b.rows.map((r) => [r.event_id, r.at.getTime()])),
  };
}

const diffs = (pairs: [number | undefined, number | undefined][]): LatencySummary =>
  summarize(pairs.filter(([a, b]) => a !== undefined && b !== undefined).map(([a, b]) => b! - a!));

async function measureRate(
  rate: number,
  relay: string,
  ctx: { target: HttpTarget; streams: UserStream[]; users: { userId: string; token: string }[]; db: pg.Pool },
  logs: { tasks: TopicLog; broadcast: TopicLog },
): Promise<RateFigures> {
  const n = P.usersAt(rate);
  const users = ctx.users.slice(0, n);
  const streams = ctx.streams.slice(0, n);
  progress(`${relay}: ${rate} writes/s over ${n} users, warm-up ${P.warmupMs / 1000} s, then ${P.measureMs / 1000} s`);
  await writeAt(ctx.target, users, rate, P.warmupMs, `e2e ${runId} ${relay} ${rate} warm-up`);
  const from: { tasks: Offsets; broadcast: Offsets } = {
    tasks: await logs.tasks.endOffsets(),
    broadcast: await logs.broadcast.endOffsets(),
  };
  const label = `e2e ${runId} ${relay} ${rate}`;
  const marks = streams.map((s) => s.arrivals.length);
  const cpuFrom = procSnapshot();
  const { due, non2xx } = await writeAt(ctx.target, users, rate, P.measureMs, label);
  const got = await arrivalsOf(streams, marks, due);
  const pctOfCore = cpuByRole(busiestSince(cpuFrom, 1_000));
  const windowMs = performance.now() - cpuFrom.at;
  const productPct = Object.values(pctOfCore).reduce((a, b) => a + b, 0) - pctOfCore.bench;
  const cpu: CpuFigures = {
    pctOfCore,
    windowMs: Math.round(windowMs),
    msPerAcceptedWrite: Number((((productPct / 100) * windowMs) / Math.max(1, due.size)).toFixed(2)),
  };
  const latencies = [...got.values()].map((a) => a.at - due.get(a.title)!);
  // Where the time went: the writes' records on both topics, and the commits in between.
  const records = async (log: TopicLog, f: Offsets) =>
    new Map((await log.read(f, await log.endOffsets())).map((r) => [r.eventId, r.appendedAt]));
  const created = await records(logs.tasks, from.tasks);
  const changed = await records(logs.broadcast, from.broadcast);
  const arrivals = [...got.values()];
  const commits = await commitTimes(
    ctx.db,
    arrivals.map((a) => a.title),
    arrivals.map((a) => a.sourceEventId),
  );
  const hops: Hops = {
    api: diffs(arrivals.map((a) => [due.get(a.title), commits.tasks.get(a.title)])),
    relay: diffs(arrivals.map((a) => [commits.tasks.get(a.title), created.get(a.sourceEventId)])),
    broadcaster: diffs(arrivals.map((a) => [created.get(a.sourceEventId), commits.broadcaster.get(a.sourceEventId)])),
    relayAgain: diffs(arrivals.map((a) => [commits.broadcaster.get(a.sourceEventId), changed.get(a.id)])),
    feedAndSse: diffs(arrivals.map((a) => [changed.get(a.id), a.at])),
  };
  return {
    rate,
    users: n,
    writes: due.size + non2xx,
    ...summarize(latencies),
    /** Accepted writes whose change never reached the stream. */
    missing: due.size - got.size,
    non2xx,
    duplicates: streams.reduce((s, x) => s + x.duplicates, 0),
    regressions: streams.reduce((s, x) => s + x.regressions, 0),
    hops,
    cpu,
  };
}

/**
 * Unmeasured writes after a relay starts. Without them the first relay measured met a cold chain
 * (the API's, consumers' and brokers' JIT compiling on the same 2 cores) and the second a warm one.
 */
async function warmChain(
  ctx: { target: HttpTarget; streams: UserStream[]; users: { userId: string; token: string }[] },
  label: string,
): Promise<void> {
  const n = P.usersAt(P.chainWarmup.rate);
  const streams = ctx.streams.slice(0, n);
  const marks = streams.map((s) => s.arrivals.length);
  progress(`${label}: warming the chain, ${P.chainWarmup.rate} writes/s for ${P.chainWarmup.ms / 1000} s`);
  const { due } = await writeAt(ctx.target, ctx.users.slice(0, n), P.chainWarmup.rate, P.chainWarmup.ms, label);
  await arrivalsOf(streams, marks, due);
}

/**
 * The frames of the writes in `due` read on the streams after their `marks`, by title, once all
 * arrived or the settle time ran out.
 */
async function arrivalsOf(
  streams: UserStream[],
  marks: number[],
  due: Map<string, number>,
): Promise<Map<string, Arrival>> {
  const arrived = () => {
    const out = new Map<string, Arrival>();
    streams.forEach((s, i) => {
      for (const a of s.arrivals.slice(marks[i])) if (due.has(a.title)) out.set(a.title, a);
    });
    return out;
  };
  const deadline = Date.now() + P.settleMs;
  while (arrived().size < due.size && Date.now() < deadline) await sleep(100);
  return arrived();
}

function startRelay(relay: 'ts' | 'debezium', url: string): BenchChild {
  return relay === 'ts'
    ? spawnBenchChild('relay', 'relay/main.ts', [], {
        DATABASE_URL: url,
        RELAY_METRICS_PORT: '0',
        RELAY_INSTANCE_ID: `bench-e2e-${runId}`,
      })
    : spawnBenchChild('relay-debezium', 'debezium/relay-main.ts', [], { DATABASE_URL: url, RELAY_METRICS_PORT: '0' });
}

/** Waits until a write shows up on its stream: the relay is publishing (Debezium registers first). */
async function waitForChain(
  target: HttpTarget,
  user: { userId: string; token: string },
  stream: UserStream,
  label: string,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (let i = 0; Date.now() < deadline; i++) {
    const title = `${label} probe ${i}`;
    await target.send({
      path: `/api/${user.userId}/tasks`,
      headers: { authorization: `Bearer ${user.token}` },
      body: taskBody(title),
    });
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      if (stream.arrivals.some((a) => a.title === title)) return;
      await sleep(100);
    }
  }
  throw new Error(`${label}: no change reached its stream within 180 s`);
}

const row = (relay: string, f: RateFigures) => [
  relay,
  f.rate,
  f.users,
  f.p50,
  f.p90,
  f.p99,
  f.max,
  f.missing,
  f.non2xx,
  f.duplicates + f.regressions,
  `${f.hops.api.p50} / ${f.hops.relay.p50} / ${f.hops.broadcaster.p50} / ${f.hops.relayAgain.p50} / ${f.hops.feedAndSse.p50}`,
  `${f.hops.api.p99} / ${f.hops.relay.p99} / ${f.hops.broadcaster.p99} / ${f.hops.relayAgain.p99} / ${f.hops.feedAndSse.p99}`,
];

async function main(): Promise<void> {
  installKafkajsPatches();
  const started = Date.now();
  const busyAtStartPct = await busyBeforeStart();
  await prepareAll(progress);
  progress(`preparing ${DATABASE}${quick ? ' (quick)' : ''}`);
  // A run that died may have left the production-named connector and slot of this database: a slot pins WAL.
  await removeLeftovers(databaseUrl(DATABASE), defaultNames(databaseUrl(DATABASE)));
  const url = await freshDatabase(DATABASE);
  const machine = await machineInfo(url);
  const db = new pg.Pool({ connectionString: url, max: 2, application_name: 'e2e-bench' });
  const kafka = createKafka({
    brokers: connectionConfig().kafkaBrokers,
    clientId: 'e2e-bench',
    principal: 'admin',
    retries: 3,
  });
  const admin = kafka.admin();
  await admin.connect();
  const logs = { tasks: new TopicLog(kafka, TOPICS.tasks), broadcast: new TopicLog(kafka, TOPICS.broadcast) };
  await logs.tasks.connect();
  await logs.broadcast.connect();
  const children: BenchChild[] = [];
  const streams: UserStream[] = [];
  let target: HttpTarget | undefined;
  const secret = devJwtSecret();
  try {
    // The bench's consumer groups start where the topics end now: earlier events are not theirs.
    for (const group of CONSUMER_GROUPS as readonly ConsumerGroup[]) {
      const groupId = `${group}-bench-e2e-${runId}`;
      for (const topic of Object.values(TOPICS)) {
        // A leadership move (a node restarted by a test, a preferred-leader election) answers NOT_LEADER once.
        for (let attempt = 1; ; attempt++) {
          try {
            const ends = await admin.fetchTopicOffsets(topic);
            const partitions = ends.map((p) => ({ partition: p.partition, offset: p.high }));
            await admin.setOffsets({ groupId, topic, partitions });
            break;
          } catch (err) {
            if (attempt >= 5) throw err;
            await sleep(1_000);
          }
        }
      }
      children.push(
        spawnBenchChild(group, 'consumers/main.ts', [group], {
          DATABASE_URL: url,
          CONSUMER_KAFKA_GROUP_ID: groupId,
          CONSUMER_METRICS_PORT: '0',
        }),
      );
    }
    const api = await startApi('api', { DATABASE_URL: url, JWT_SECRET: secret });
    children.push(api);
    target = new HttpTarget(api.port, P.sockets);
    const maxUsers = Math.max(...P.rates.map(P.usersAt));
    const users = await Promise.all(
      Array.from({ length: maxUsers }, async (_, i) => {
        const userId = `e2e-${runId}-user-${i}`;
        return { userId, token: await signToken(secret, userId) };
      }),
    );
    for (const u of users) {
      const s = new UserStream(u.userId, u.token);
      // 503 until the API's live feed has joined its consumer group.
      for (let deadline = Date.now() + 60_000; ;) {
        try {
          await s.open(api.port);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(500);
        }
      }
      streams.push(s);
    }
    const results: Record<string, Record<string, RateFigures>> = {};
    for (const relay of RELAYS) {
      const name = relay === 'ts' ? 'ts' : 'debeziumTuned';
      progress(`${name}: starting the relay`);
      const child = startRelay(relay, url);
      children.push(child);
      await waitForChain(target, users[0]!, streams[0]!, `e2e ${runId} ${relay}`);
      await warmChain({ target, streams, users }, `e2e ${runId} ${name} chain warm-up`);
      results[name] = {};
      for (const rate of P.rates) {
        results[name][String(rate)] = await measureRate(rate, name, { target, streams, users, db }, logs);
      }
      await child.stop();
      if (relay === 'debezium') await removeLeftovers(url, defaultNames(url));
    }
    const all = Object.entries(results).flatMap(([relay, byRate]) => Object.values(byRate).map((f) => row(relay, f)));
    printTable(
      'REST write → TaskChanged on the user’s stream, ms from when the write was due (open loop)',
      [
        'relay',
        'writes/s',
        'users',
        'p50',
        'p90',
        'p99',
        'max',
        'missing',
        'non-2xx',
        'dup/order',
        'hops p50: api / relay / broadcaster / relay again / feed+SSE',
        'hops p99',
      ],
      all,
    );
    printTable(
      'CPU from the first measured write until its changes arrived, % of one core (100 per core); ms per accepted write leaves the bench out',
      [
        'relay',
        'writes/s',
        'kafka',
        'postgres',
        'consumers',
        'api',
        'relay',
        'Connect',
        'bench',
        'kernel, other',
        'window s',
        'CPU ms per accepted write',
      ],
      Object.entries(results).flatMap(([relay, byRate]) =>
        Object.values(byRate).map((f) => {
          const c = f.cpu.pctOfCore;
          return [
            relay,
            f.rate,
            c.kafka,
            c.postgres,
            c.consumers,
            c.api,
            c.relay,
            c.connect,
            c.bench,
            c.other,
            (f.cpu.windowMs / 1000).toFixed(1),
            f.cpu.msPerAcceptedWrite,
          ];
        }),
      ),
    );
    const at500 = results.ts?.[String(GOALS.minRateForGoal)];
    const goalMet =
      at500 !== undefined &&
      at500.p99 < GOALS.p99MsAt500 &&
      at500.missing === 0 &&
      at500.non2xx === 0 &&
      at500.duplicates + at500.regressions === 0;
    console.log(
      `\ngoal: ours p99 < ${GOALS.p99MsAt500} ms at ${GOALS.minRateForGoal} writes/s, nothing missing: ${at500 ? (goalMet ? 'met' : 'MISSED') : 'not measured'} (${at500?.p99 ?? '-'} ms)`,
    );
    const e2e = Object.fromEntries(
      Object.entries(results).map(([relay, byRate]) => [
        relay,
        Object.fromEntries(
          Object.entries(byRate).map(([rate, f]) => [
            rate,
            {
              users: f.users,
              p50Ms: f.p50,
              p90Ms: f.p90,
              p99Ms: f.p99,
              maxMs: f.max,
              missing: f.missing,
              non2xx: f.non2xx,
              duplicates: f.duplicates,
              regressions: f.regressions,
              hops: f.hops,
              cpu: f.cpu,
            },
          ]),
        ),
      ]),
    );
    writeResult('e2e', {
      bench: 'e2e',
      quick,
      at: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      e2e,
      goals: { ...GOALS, met: goalMet },
      machine,
      debeziumProfile: RELAYS.includes('debezium') ? 'tuned' : undefined,
      busyAtStartPct,
      params: { ...P, usersAt: Object.fromEntries(P.rates.map((r) => [r, P.usersAt(r)])) },
    });
  } finally {
    for (const s of streams) s.close();
    target?.close();
    for (const c of children.reverse()) await c.stop();
    await logs.tasks.disconnect();
    await logs.broadcast.disconnect();
    await admin.disconnect();
    await db.end();
  }
}

runBenchMain(main);
