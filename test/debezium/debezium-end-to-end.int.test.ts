/**
 * Debezium relay end to end: 2,000 events over 100 keys from concurrent writers all reach Kafka,
 * in per-key order; the janitor then empties the outbox of what the connector confirmed.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { OutboxJanitor } from '../../debezium/outbox-janitor.js';
import { TOPICS } from '../../lib/topics.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { writeEvents } from '../helpers/outbox-writer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';
import { dropAndCheckClean, registerForTest, uniqueNames } from './debezium-test-kit.js';

describe('Debezium relay: end to end', () => {
  const names = uniqueNames('e2e');
  let database: TestDatabase;
  let collector: TopicCollector;

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await new TopicCollector(testKafka('debezium-e2e'), [TOPICS.tasks]).start(false);
    await registerForTest(database.url, names);
  });
  afterAll(async () => {
    try {
      await dropAndCheckClean(database.url, names);
    } finally {
      await collector.stop();
      await database.drop();
    }
  });

  it('publishes every event of concurrent writers, in per-key order', async () => {
    const keys = Array.from({ length: 100 }, () => `dbz-e2e-${randomUUID()}`);
    const written = await writeEvents(database.url, keys, 20, 16);
    expect(written).toHaveLength(2000);
    await waitFor(() => missingEvents(written, collector.records).length === 0, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: `all 2000 events on Kafka (missing ${missingEvents(written, collector.records).length})`,
    });
    const mine = new Set(keys);
    expect(orderViolations(collector.records, mine)).toEqual([]);
    // Every record is one of ours with exactly our six headers.
    for (const r of collector.records.filter((r) => r.key && mine.has(r.key))) {
      expect(Object.keys(r.headers)).toEqual([
        'event-id',
        'event-type',
        'aggregate-version',
        'occurred-at',
        'traceparent',
        'user-id',
      ]);
    }
  });

  it('janitor: deletes rows once the connector confirmed them, nothing without a slot', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      const count = async () =>
        Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
      expect(await count()).toBe(2000);
      // A janitor guarding another (absent) slot deletes nothing.
      const unguarded = new OutboxJanitor({
        pool,
        maxAgeMs: 0,
        batchSize: 300,
        intervalMs: 100,
        slotName: 'no_such_slot',
      });
      expect(await unguarded.round()).toBe(0);
      const janitor = new OutboxJanitor({
        pool,
        maxAgeMs: 0,
        batchSize: 300,
        intervalMs: 100,
        slotName: names.slotName,
      });
      // The first round only takes a mark; later rounds delete once the heartbeat moved the slot past it.
      await waitFor(async () => (await janitor.round(), (await count()) === 0), {
        timeoutMs: 30_000,
        intervalMs: 300,
        what: 'the janitor to empty the outbox',
      });
    } finally {
      await pool.end();
    }
  });
});
