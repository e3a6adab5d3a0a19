/**
 * A record Kafka refuses for good goes to the topic's DLQ with its reason; the later events of its
 * key wait (other keys flow) until an operator releases or replays.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { relayDlqTopic, TOPICS } from '../../lib/topics.js';
import { listDeadLetters, listHeldKeys, releaseKey, replayDeadLetter } from '../../relay/ops.js';
import type { RelayService } from '../../relay/relay-service.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { insertOutboxRow, sampleTaskCreated } from '../helpers/outbox-writer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

/** A test database, a pool on it, and a collector of the tasks topic and its DLQ; `close` undoes them. */
async function deadLetterFixture(clientId: string) {
  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const collector = await new TopicCollector(testKafka(clientId), [TOPICS.tasks, relayDlqTopic(TOPICS.tasks)]).start(
    false,
  );
  return {
    database,
    pool,
    collector,
    async close() {
      await pool.end();
      await collector.stop();
      await database.drop();
    },
  };
}

describe('TypeScript relay: dead letters', () => {
  let fixture: Awaited<ReturnType<typeof deadLetterFixture>>;
  let database: TestDatabase;
  let relay: RelayService;
  let collector: TopicCollector;
  let pool: pg.Pool;

  beforeAll(async () => {
    fixture = await deadLetterFixture('relay-dlq');
    ({ database, pool, collector } = fixture);
    relay = await startTestRelay(database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
  });
  afterAll(async () => {
    await relay.stop();
    await fixture.close();
  });

  it('dead-letters an oversized record, holds its key, and lets other keys flow', async () => {
    const payload = await sampleTaskCreated();
    const key = `big-${randomUUID()}`;
    const other = `other-${randomUUID()}`;
    const v1 = await insertOutboxRow(pool, key, 1, payload);
    // 2 MiB: above the broker's 1 MiB message.max.bytes, below the DLQ topic's 16 MiB.
    const v2 = await insertOutboxRow(pool, key, 2, Buffer.concat([payload, randomBytes(2 * 1024 * 1024)]));
    const v3 = await insertOutboxRow(pool, key, 3, payload);
    const o1 = await insertOutboxRow(pool, other, 1, payload);

    const onTopic = (id: string) =>
      collector.records.some((r) => r.topic === TOPICS.tasks && r.headers['event-id'] === id);
    const dlq = await waitFor(
      () =>
        collector.records.find((r) => r.topic === relayDlqTopic(TOPICS.tasks) && r.headers['event-id'] === v2.eventId),
      {
        what: 'the oversized record in the DLQ',
      },
    );
    expect(dlq.headers['dlq-reason']).toMatch(/MESSAGE_TOO_LARGE/);
    expect(dlq.headers['dlq-original-topic']).toBe(TOPICS.tasks);
    expect(dlq.headers['aggregate-version']).toBe('2');
    expect(dlq.key).toBe(key);

    await waitFor(() => onTopic(v1.eventId) && onTopic(o1.eventId), { what: 'v1 and the other key' });
    const o2 = await insertOutboxRow(pool, other, 2, payload);
    await waitFor(() => onTopic(o2.eventId), { what: 'later events of other keys' });
    // v3 waits behind the dead letter.
    expect(onTopic(v3.eventId)).toBe(false);
    expect(await listHeldKeys(pool)).toEqual([expect.objectContaining({ message_key: key, event_id: v2.eventId })]);
    expect(await listDeadLetters(pool)).toEqual([
      expect.objectContaining({ event_id: v2.eventId, reason: expect.stringMatching(/MESSAGE_TOO_LARGE/) }),
    ]);
    const waiting = await pool.query('select event_id::text from outbox');
    expect(waiting.rows).toEqual([{ event_id: v3.eventId }]);

    await releaseKey(pool, key);
    await waitFor(() => onTopic(v3.eventId), { what: 'v3 after release' });
    expect(onTopic(v2.eventId)).toBe(false);
    let m = await (await fetch(relay.metricsUrl)).text();
    expect(m).toMatch(/relay_dead_lettered_total\{topic="todo.tasks.events"\} 1/);

    // Replaying before the cause is fixed puts the event back in the outbox, where the broker
    // refuses it again: a second DLQ record, and the key held once more.
    await replayDeadLetter(pool, v2.eventId);
    await waitFor(
      () =>
        collector.records.filter((r) => r.topic === relayDlqTopic(TOPICS.tasks) && r.headers['event-id'] === v2.eventId)
          .length === 2,
      {
        what: 'the replayed event dead-lettered again',
      },
    );
    await waitFor(async () => (await listHeldKeys(pool)).some((h: { message_key: string }) => h.message_key === key), {
      what: 'the key held again',
    });
    m = await (await fetch(relay.metricsUrl)).text();
    expect(m).toMatch(/relay_dead_lettered_total\{topic="todo.tasks.events"\} 2/);
  });
});

describe('TypeScript relay: a dead letter and the batch read while it was out', () => {
  let fixture: Awaited<ReturnType<typeof deadLetterFixture>>;
  let database: TestDatabase;
  let relay: RelayService;
  let collector: TopicCollector;
  let pool: pg.Pool;

  beforeAll(async () => {
    fixture = await deadLetterFixture('relay-dlq-prefetch');
    ({ database, pool, collector } = fixture);
  });
  afterAll(async () => {
    await relay?.stop();
    await fixture.close();
  });

  it('does not publish a later event of the key from the batch read while the refused one was out', async () => {
    const payload = await sampleTaskCreated();
    const key = `big-${randomUUID()}`;
    const other = `other-${randomUUID()}`;
    // One row per batch: while v2 (refused) is out, the relay has already read v3, before the key was held.
    const c = await pool.connect();
    let v2: Awaited<ReturnType<typeof insertOutboxRow>>, v3: typeof v2, o1: typeof v2;
    try {
      await c.query('begin');
      await insertOutboxRow(c, key, 1, payload);
      v2 = await insertOutboxRow(c, key, 2, Buffer.concat([payload, randomBytes(2 * 1024 * 1024)]));
      v3 = await insertOutboxRow(c, key, 3, payload);
      o1 = await insertOutboxRow(c, other, 1, payload);
      await c.query('commit');
    } finally {
      c.release();
    }
    relay = await startTestRelay(database.url, { batchSize: 1 });

    const onTopic = (id: string) =>
      collector.records.some((r) => r.topic === TOPICS.tasks && r.headers['event-id'] === id);
    await waitFor(
      () =>
        collector.records.some((r) => r.topic === relayDlqTopic(TOPICS.tasks) && r.headers['event-id'] === v2.eventId),
      { what: 'v2 in the DLQ' },
    );
    await waitFor(() => onTopic(o1.eventId), { what: 'the other key after the dead letter' });
    // A published row is deleted with the relay's next read (read-ahead), a moment after it is on the topic.
    const waiting = async () => (await pool.query('select event_id::text from outbox')).rows;
    await waitFor(async () => (await waiting()).length === 1, { what: "the other key's row deleted" }).catch(
      () => undefined,
    );
    expect(await waiting()).toEqual([{ event_id: v3.eventId }]);
    expect(onTopic(v3.eventId)).toBe(false);
  });
});
