/**
 * What the guarantees are worth when Kafka nodes die (three-node stack, replication 3,
 * min.insync.replicas 2, acks=all):
 * - the leader of a partition being written is SIGKILLed mid-publish: every committed event still
 *   reaches Kafka, in order per key, each consumer side effect happens once, and the relay and the
 *   consumer keep going without a restart;
 * - two of three nodes down: the relay publishes nothing (not enough in-sync replicas, no quorum)
 *   and deletes, skips, reorders and dead-letters nothing, then catches up once a node is back.
 * Each test checks that its fault landed (the node's process gone, the partition's leader moved,
 * rows waiting while the nodes were down) before it judges the outcome.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { auditLogService } from '../../consumers/audit-log/audit-log-handler.js';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { connectionConfig } from '../../lib/env.js';
import { relayDlqTopic, TOPICS } from '../../lib/topics.js';
import { partitionForKey } from '../../relay/key-partitioner.js';
import type { RelayService } from '../../relay/relay-service.js';
import { kafkaNodeServices } from '../../scripts/stack/kafka-nodes.js';
import { stackConfig } from '../../scripts/stack/stack-config.js';
import { ensureStack } from '../../scripts/stack/stack.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { groupAtLatest } from '../helpers/consumer-process.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { insertOutboxRow, type WrittenRow } from '../helpers/outbox-writer.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

const cfg = stackConfig();
const nodes = kafkaNodeServices(cfg);
const TASK_PARTITIONS = 6;

/** One real TaskCreated per key (the key is the task's id, as consumers check). */
async function payloadsFor(keys: string[]): Promise<Map<string, Buffer>> {
  const codec = EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
  const out = new Map<string, Buffer>();
  for (const id of keys) {
    out.set(
      id,
      await codec.encode('TaskCreated', {
        id,
        user_id: 'relay-test',
        title: 'leader loss',
        description: null,
        created_at: Date.now(),
        due_date: null,
        priority: null,
        tags: [],
        is_recurring_template: false,
        recurrence_pattern: null,
        template_id: null,
        occurrence_at: null,
        reminder_lead_minutes: null,
      }),
    );
  }
  return out;
}

/** Writes one event per key in each round, versions counting up, until `stop()` is called. */
function steadyWriter(pool: pg.Pool, keys: string[], payloads: Map<string, Buffer>) {
  const written: WrittenRow[] = [];
  let version = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      version++;
      for (const k of keys) written.push(await insertOutboxRow(pool, k, version, payloads.get(k)!));
      await sleep(50);
    }
  })();
  return {
    written,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function leaderOf(partition: number): Promise<number> {
  const admin = testKafka('leader-loss-meta').admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [TOPICS.tasks] });
    return meta.topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
  } finally {
    await admin.disconnect();
  }
}

async function waitingRows(pool: pg.Pool, keys: string[]): Promise<number> {
  const r = await pool.query<{ n: string }>('select count(*) as n from outbox where message_key = any($1)', [keys]);
  return Number(r.rows[0]!.n);
}

describe('Kafka node loss (three nodes)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let relay: RelayService;
  let audit: RunningConsumerService;
  const collectors: TopicCollector[] = [];
  const writers: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    expect(nodes.length).toBe(3); // the stack's default topology; these faults need it
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    relay = await startTestRelay(database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
    // The group starts at offsets committed now, not at whatever is latest once it has joined.
    const kafkaGroupId = `audit-log-cg-test-${randomUUID()}`;
    await groupAtLatest(
      testKafka('leader-loss-group'),
      kafkaGroupId,
      auditLogService.createHandler({} as never).topics,
    );
    audit = await startTestConsumer(auditLogService, database.url, { kafkaGroupId });
  });

  afterAll(async () => {
    for (const w of writers) await w.stop();
    await ensureStack(() => undefined);
    await audit?.stop();
    await relay?.stop();
    for (const c of collectors) await c.stop();
    await pool?.end();
    await database?.drop();
  });

  it('loses nothing, reorders nothing and doubles no side effect when a partition leader is SIGKILLed mid-publish', async () => {
    const keys: string[] = Array.from({ length: 60 }, () => randomUUID());
    const payloads = await payloadsFor(keys);
    const collector = await new TopicCollector(testKafka('leader-loss'), [
      TOPICS.tasks,
      relayDlqTopic(TOPICS.tasks),
    ]).start(false);
    collectors.push(collector);
    const writer = steadyWriter(pool, keys, payloads);
    writers.push(writer);

    // The partition of the first key is being written; kill its leader once publishing is under way.
    const partition = partitionForKey(keys[0]!, TASK_PARTITIONS);
    await waitFor(() => collector.records.some((r) => r.key === keys[0]), { what: 'publishing to be under way' });
    const leader = await leaderOf(partition);
    const victim = nodes[leader - 1]!;
    expect(victim.isRunning()).toBe(true);
    await victim.kill();
    await waitFor(async () => !victim.isRunning(), { what: `node ${leader} to die` });
    const publishedAtKill = collector.records.length;

    // Leadership moves to a surviving replica and publishing goes on while the node is down.
    await waitFor(async () => ![leader, -1].includes(await leaderOf(partition).catch(() => -1)), {
      timeoutMs: 30_000,
      what: 'a new leader for the partition',
    });
    await waitFor(() => collector.records.length > publishedAtKill + keys.length, {
      timeoutMs: 60_000,
      what: 'events published while the node is down',
    });
    expect(victim.isRunning()).toBe(false);
    await writer.stop();
    await ensureStack(() => undefined);
    // Judged from a fresh read of the topic once the relay has drained: a live consumer may itself
    // skip records around a leader change, which says nothing about what Kafka holds.
    await waitFor(async () => (await waitingRows(pool, keys)) === 0, {
      timeoutMs: 120_000,
      what: 'the outbox drained',
    });
    const reread = await new TopicCollector(testKafka('leader-loss-reread'), [TOPICS.tasks]).start(true);
    collectors.push(reread);
    await waitFor(() => missingEvents(writer.written, reread.records).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'every committed event in Kafka',
    }).catch((err: Error) => {
      const missing = missingEvents(writer.written, reread.records);
      throw new Error(`${err.message}: ${missing.length} missing, e.g. ${JSON.stringify(missing.slice(0, 3))}`);
    });
    expect(orderViolations(reread.records, new Set(keys))).toEqual([]);
    expect(collector.records.filter((r) => r.topic !== TOPICS.tasks)).toEqual([]);
    // The consumer, never restarted, applied each event exactly once.
    const ids = writer.written.map((w) => w.eventId);
    await waitFor(
      async () =>
        Number(
          (await pool.query<{ n: string }>('select count(*) as n from audit_log where event_id = any($1)', [ids]))
            .rows[0]!.n,
        ) === ids.length,
      { timeoutMs: 120_000, intervalMs: 500, what: 'an audit row for every event' },
    );
    const doubled = await pool.query(
      'select event_id from audit_log where event_id = any($1) group by event_id having count(*) > 1',
      [ids],
    );
    expect(doubled.rows).toEqual([]);
    expect(relay.isActive()).toBe(true);
  }, 300_000);

  it('with two of three nodes down publishes nothing and loses, skips and dead-letters nothing, then catches up', async () => {
    const keys: string[] = Array.from({ length: 40 }, () => randomUUID());
    const payloads = await payloadsFor(keys);
    const collector = await new TopicCollector(testKafka('two-down'), [
      TOPICS.tasks,
      relayDlqTopic(TOPICS.tasks),
    ]).start(false);
    collectors.push(collector);

    const [first, second, third] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    await Promise.all([first.kill(), second.kill()]);
    await waitFor(async () => !first.isRunning() && !second.isRunning(), { what: 'two nodes to die' });
    expect(third.isRunning()).toBe(true);

    const written: WrittenRow[] = [];
    for (let v = 1; v <= 5; v++)
      for (const k of keys) written.push(await insertOutboxRow(pool, k, v, payloads.get(k)!));
    // Well past the relay's first attempts: every row is still waiting, none published or dead-lettered.
    await sleep(15_000);
    expect(await waitingRows(pool, keys)).toBe(written.length);
    expect(collector.records.filter((r) => keys.includes(r.key ?? ''))).toEqual([]);
    const deadWhileDown = await pool.query('select count(*)::int as n from outbox_dead_letters');
    expect(deadWhileDown.rows[0].n).toBe(0);
    // One node back: a quorum and two in-sync replicas again.
    await first.start();
    await waitFor(async () => (await waitingRows(pool, keys)) === 0, {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: 'the outbox drained once a second node is back',
    });
    const reread = await new TopicCollector(testKafka('two-down-reread'), [TOPICS.tasks]).start(true);
    collectors.push(reread);
    await waitFor(() => missingEvents(written, reread.records).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'every event in Kafka',
    });
    expect(orderViolations(reread.records, new Set(keys))).toEqual([]);
    expect(collector.records.filter((r) => r.topic !== TOPICS.tasks)).toEqual([]);
    const dead = await pool.query('select count(*)::int as n from outbox_dead_letters');
    expect(dead.rows[0].n).toBe(0);
    expect(relay.isActive()).toBe(true);
  }, 420_000);
});
