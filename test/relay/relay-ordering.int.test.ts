/** The relay publishes every committed row, late commits included, in per-key order. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { TOPICS } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { insertOutboxRow, sampleTaskCreated, writeEvents } from '../helpers/outbox-writer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

describe('TypeScript relay: ordering and completeness', () => {
  let database: TestDatabase;
  let relay: RelayService;
  let collector: TopicCollector;

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await new TopicCollector(testKafka('relay-ordering'), [TOPICS.tasks]).start(false);
    relay = await startTestRelay(database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
  });
  afterAll(async () => {
    await relay.stop();
    await collector.stop();
    await database.drop();
  });

  it('publishes a row whose transaction commits after a higher id was published', async () => {
    const payload = await sampleTaskCreated();
    const late = new pg.Client({ connectionString: database.url });
    const writer = new pg.Client({ connectionString: database.url });
    await late.connect();
    await writer.connect();
    try {
      await late.query('begin');
      const lowKey = `late-${randomUUID()}`;
      const low = await insertOutboxRow(late, lowKey, 1, payload);
      const highKey = `early-${randomUUID()}`;
      const high = await insertOutboxRow(writer, highKey, 1, payload);
      await waitFor(() => collector.records.some((r) => r.headers['event-id'] === high.eventId), {
        what: 'the higher id to be published',
      });
      const ids = await late.query<{ event_id: string; id: string }>(
        'select event_id::text, id::text from outbox where event_id = $1',
        [low.eventId],
      );
      expect(ids.rowCount).toBe(1);
      await late.query('commit');
      await waitFor(() => collector.records.some((r) => r.headers['event-id'] === low.eventId), {
        what: 'the late-committed row',
      });
      const rows = await database.db.$queryRaw<{ n: bigint }[]>`select count(*) as n from outbox`;
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await late.end();
      await writer.end();
    }
  });

  it('publishes 10,000 events over 200 keys from concurrent writers, each key in version order', async () => {
    const keys = Array.from({ length: 200 }, () => `k-${randomUUID()}`);
    const written = await writeEvents(database.url, keys, 50);
    expect(written).toHaveLength(10_000);
    await waitFor(() => missingEvents(written, collector.records).length === 0, {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'every event in Kafka',
    });
    expect(orderViolations(collector.records, new Set(keys))).toEqual([]);
    for (const r of collector.records.filter((x) => x.key === keys[0])) {
      expect(r.headers).toEqual(expect.objectContaining({ 'event-type': 'TaskCreated', 'user-id': 'relay-test' }));
      expect(r.value?.readUInt8(0)).toBe(0);
    }
  });
});

describe('TypeScript relay: a late commit while batches are read ahead', () => {
  let database: TestDatabase;
  let relay: RelayService;
  let collector: TopicCollector;

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await new TopicCollector(testKafka('relay-ordering-ahead'), [TOPICS.tasks]).start(false);
  });
  afterAll(async () => {
    await relay?.stop();
    await collector.stop();
    await database.drop();
  });

  it("publishes a row that commits below the ids of the batches in flight before its key's next row", async () => {
    const payload = await sampleTaskCreated();
    const late = new pg.Client({ connectionString: database.url });
    await late.connect();
    try {
      await late.query('begin');
      const lateKey = `late-${randomUUID()}`;
      const v1 = await insertOutboxRow(late, lateKey, 1, payload);
      const keys = Array.from({ length: 50 }, () => `ahead-${randomUUID()}`);
      const backlog = await writeEvents(database.url, keys, 10);
      // Small batches: the relay is many batches into the backlog, each read while the previous was out.
      relay = await startTestRelay(database.url, { batchSize: 2 });
      await waitFor(() => collector.records.filter((r) => keys.includes(r.key ?? '')).length >= 50, {
        what: 'the relay well into the backlog',
      });
      await late.query('commit');
      // The key's next row, above every id of the backlog: a relay reading on from the highest id
      // it has seen would publish it and leave v1 behind.
      const v2 = await insertOutboxRow(late, lateKey, 2, payload);
      await waitFor(() => missingEvents([...backlog, v1, v2], collector.records).length === 0, {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'the backlog and the late key',
      });
      expect(orderViolations(collector.records, new Set([...keys, lateKey]))).toEqual([]);
      await waitFor(
        async () =>
          Number((await database.db.$queryRaw<{ n: bigint }[]>`select count(*) as n from outbox`)[0]!.n) === 0,
        { what: 'an empty outbox' },
      );
    } finally {
      await late.end();
    }
  });
});
