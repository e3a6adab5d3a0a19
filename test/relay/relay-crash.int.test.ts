/**
 * SIGKILL while batches are in flight loses nothing: unacknowledged or undeleted rows are published
 * again on restart. Each kill is checked to have landed mid-drain (the killed relay had published
 * part of a backlog and unpublished rows were waiting), and kills are checked to have caught
 * batches already in Kafka but not yet deleted, which the restart then published again.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { TOPICS } from '../../lib/topics.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { writeEvents, type WrittenRow } from '../helpers/outbox-writer.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';

const KILLS = 6;
/** Rows waiting before each relay starts: several of its batches, so it is still draining when killed. */
const BACKLOG = 4000;

interface Kill {
  /** Rows of ours in the outbox just after the kill. */
  rowsLeft: number;
  /** Of those, rows whose events the killed relay had already put in Kafka: a batch acknowledged, not yet deleted. */
  publishedNotDeleted: number;
  /** Events of ours the killed relay published. */
  publishedByIt: number;
}

describe('TypeScript relay: crashes', () => {
  let database: TestDatabase;
  let collector: TopicCollector;
  let admin: Admin;
  let relay: RelayProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = testKafka('relay-crash-admin').admin();
    await admin.connect();
    collector = await new TopicCollector(testKafka('relay-crash'), [TOPICS.tasks]).start(false);
  });
  afterAll(async () => {
    await relay?.kill();
    await collector.stop();
    await admin.disconnect();
    await database.drop();
  });

  /** Partition high-water marks when the test began: partitions nobody wrote to since need no reading. */
  let startHighs = new Map<number, bigint>();
  /** Waits until the collector has read everything in the topic now (other files may write to it too). */
  const collectorCaughtUp = async () => {
    const highs = await admin.fetchTopicOffsets(TOPICS.tasks);
    await waitFor(
      () =>
        highs.every(
          (h) =>
            BigInt(h.high) === startHighs.get(h.partition) ||
            collector.records.some((r) => r.partition === h.partition && BigInt(r.offset) >= BigInt(h.high) - 1n),
        ),
      { timeoutMs: 30_000, intervalMs: 50, what: 'the collector to read the topic up to its high-water marks' },
    );
  };

  it('keeps every event and per-key order across SIGKILLs that land while batches are in flight', async () => {
    startHighs = new Map((await admin.fetchTopicOffsets(TOPICS.tasks)).map((h) => [h.partition, BigInt(h.high)]));
    const keys = Array.from({ length: 200 }, () => `crash-${randomUUID()}`);
    const ours = new Set(keys);
    const ourEventIds = () =>
      collector.records.filter((r) => r.key !== null && ours.has(r.key)).map((r) => r.headers['event-id']!);
    const outboxEventIds = async () =>
      (await database.db.$queryRaw<{ event_id: string }[]>`select event_id::text from outbox`).map((r) => r.event_id);
    // Small batches: a drain is many publish-then-delete rounds, so a kill falls between them.
    const env = { RELAY_BATCH_SIZE: '200' };

    // Writers run all along, in rounds of 5 versions per key so each key's versions commit in order.
    const written: WrittenRow[] = [];
    let writing = true;
    const writer = (async () => {
      for (let version = 1; writing; version += 5)
        written.push(...(await writeEvents(database.url, keys, 5, 8, version)));
    })();

    const kills: Kill[] = [];
    for (let i = 0; i < KILLS; i++) {
      await waitFor(async () => (await outboxEventIds()).length >= BACKLOG, {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: `a backlog of ${BACKLOG} rows before relay ${i + 1}`,
      });
      const publishedBefore = new Set(ourEventIds()).size;
      relay = spawnRelay(database.url, env);
      // Killed as soon as its first batches reach Kafka, at a random point of the drain that follows.
      await waitFor(() => new Set(ourEventIds()).size > publishedBefore, {
        timeoutMs: 60_000,
        intervalMs: 10,
        what: `relay ${i + 1} to publish`,
      });
      await sleep(Math.random() * 100);
      await relay.kill('SIGKILL');
      const left = await outboxEventIds();
      await collectorCaughtUp();
      const inKafka = new Set(ourEventIds());
      kills.push({
        rowsLeft: left.length,
        publishedNotDeleted: left.filter((id) => inKafka.has(id)).length,
        publishedByIt: inKafka.size - publishedBefore,
      });
    }
    writing = false;
    await writer;
    relay = spawnRelay(database.url, env);
    await waitFor(() => missingEvents(written, collector.records).length === 0, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'every event after the last restart',
    });

    // Every kill interrupted a drain: the relay had published part of its backlog and rows it had
    // not published were still waiting.
    expect(kills).toHaveLength(KILLS);
    for (const k of kills) {
      expect(k.publishedByIt).toBeGreaterThan(0);
      expect(k.rowsLeft - k.publishedNotDeleted).toBeGreaterThan(0);
    }
    // And kills caught a batch between Kafka's acknowledgement and its DELETE (not every kill can:
    // the DELETE of batch N-1 may finish just before batch N reaches the broker).
    expect(kills.filter((k) => k.publishedNotDeleted > 0).length).toBeGreaterThan(0);
    // Those rows went out again after the restart: duplicates, never gaps or reordering.
    const ids = ourEventIds();
    expect(ids.length - new Set(ids).size).toBeGreaterThan(0);
    expect(orderViolations(collector.records, ours)).toEqual([]);
    await waitFor(
      async () => Number((await database.db.$queryRaw<{ n: bigint }[]>`select count(*) as n from outbox`)[0]!.n) === 0,
      { what: 'an empty outbox' },
    );
  });
});
