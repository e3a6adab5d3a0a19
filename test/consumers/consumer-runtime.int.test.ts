/**
 * The shared consumer runtime, through audit-log-cg: redelivery changes nothing, poison and
 * exhausted events land in the group's DLQ with the required headers, later events on other keys
 * keep flowing, and a replay brings a fixed event back through. Records of one key sent together
 * arrive as one batch of one partition: a duplicate inside it is applied once, and a poison record
 * inside it sends the chunk down the record-at-a-time path without losing or repeating its neighbours.
 */
import { randomUUID } from 'node:crypto';
import { auditLogHandler } from '../../consumers/audit-log/audit-log-handler.js';
import type { ConsumerServiceDefinition, RunningConsumerService } from '../../consumers/consumer-service.js';
import { readDeadLetters, replayDeadLetters } from '../../lib/consumer/dead-letter-ops.js';
import { consumerDlqTopic, TOPICS } from '../../lib/topics.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { produce, taskCreatedRecord } from '../helpers/task-records.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';

/** Fails for the event ids in `broken` (a handler bug), otherwise writes the audit row. */
const broken = new Set<string>();
const flakyAudit: ConsumerServiceDefinition = {
  group: 'audit-log-cg',
  createHandler: () => ({
    topics: auditLogHandler.topics,
    async handle(tx, event, ctx) {
      if (broken.has(event.eventId)) throw new TypeError(`cannot handle ${event.eventId}`);
      await auditLogHandler.handle(tx, event, ctx);
    },
  }),
};

describe('consumer runtime', () => {
  const kafka = testKafka('runtime-test');
  let database: TestDatabase;
  let service: RunningConsumerService;
  let dlq: TopicCollector;

  const audited = async (eventId: string) => database.db.auditEntry.count({ where: { eventId } });

  beforeAll(async () => {
    database = await createTestDatabase();
    dlq = await new TopicCollector(kafka, [consumerDlqTopic('audit-log-cg')]).start(false);
    service = await startTestConsumer(flakyAudit, database.url, { config: { maxAttempts: 3 } });
  });
  afterAll(async () => {
    await service.stop();
    await dlq.stop();
    await database.drop();
  });

  it('applies a redelivered event once', async () => {
    const record = await taskCreatedRecord();
    const eventId = record.headers!['event-id'] as string;
    await produce(kafka, TOPICS.tasks, [record]);
    await waitFor(async () => (await audited(eventId)) === 1, { what: 'the first delivery' });
    await produce(kafka, TOPICS.tasks, [record]);
    const marker = await taskCreatedRecord(record.key as string);
    await produce(kafka, TOPICS.tasks, [marker]);
    // The marker shares the key (so the partition): once it is processed, the duplicate was handled.
    await waitFor(async () => (await audited(marker.headers!['event-id'] as string)) === 1, {
      what: 'the marker after the duplicate',
    });
    expect(await audited(eventId)).toBe(1);
    expect(await database.db.processedEvent.count({ where: { eventId } })).toBe(1);
    expect(await (await fetch(service.metricsUrl)).text()).toMatch(
      /consumer_events_duplicate_total\{group="audit-log-cg"\} [1-9]/,
    );
  });

  const metricValue = async (pattern: RegExp) =>
    Number((await (await fetch(service.metricsUrl)).text()).match(pattern)?.[1] ?? 0);
  const fallbacks = () => metricValue(/consumer_chunks_total\{group="audit-log-cg",path="record_at_a_time"\} (\d+)/);
  const batches = () => metricValue(/consumer_chunks_total\{group="audit-log-cg",path="batch"\} (\d+)/);

  it('applies an event sent twice in one batch once', async () => {
    const key = randomUUID();
    const first = await taskCreatedRecord(key);
    const rest = await Promise.all(Array.from({ length: 4 }, () => taskCreatedRecord(key)));
    const batchesBefore = await batches();
    await produce(kafka, TOPICS.tasks, [first, ...rest.slice(0, 2), first, ...rest.slice(2)]);
    const ids = [first, ...rest].map((r) => r.headers!['event-id'] as string);
    await waitFor(
      async () => (await database.db.auditEntry.count({ where: { eventId: { in: ids } } })) === ids.length,
      { what: 'the batch' },
    );
    expect(await audited(ids[0]!)).toBe(1);
    expect(await database.db.processedEvent.count({ where: { eventId: { in: ids } } })).toBe(ids.length);
    expect(await batches()).toBeGreaterThan(batchesBefore);
  });

  it('isolates a poison record in the middle of a batch: its neighbours once each, the poison dead-lettered', async () => {
    const key = randomUUID();
    const before = await Promise.all(Array.from({ length: 4 }, () => taskCreatedRecord(key)));
    const poisonId = randomUUID();
    const poison = { ...(await taskCreatedRecord(key, poisonId)), value: Buffer.from('not avro either') };
    const after = await Promise.all(Array.from({ length: 4 }, () => taskCreatedRecord(key)));
    const fallbacksBefore = await fallbacks();
    await produce(kafka, TOPICS.tasks, [...before, poison, ...after]);

    const dead = await waitFor(() => dlq.records.find((r) => r.headers['event-id'] === poisonId), {
      what: 'the poison record in the DLQ',
    });
    expect(dead.headers).toEqual(expect.objectContaining({ attempts: '0', 'error-class': 'PoisonEventError' }));
    const ids = [...before, ...after].map((r) => r.headers!['event-id'] as string);
    await waitFor(
      async () => (await database.db.auditEntry.count({ where: { eventId: { in: ids } } })) === ids.length,
      { what: "the poison record's neighbours" },
    );
    for (const id of ids) expect(await audited(id)).toBe(1);
    expect(await database.db.processedEvent.count({ where: { eventId: { in: [...ids, poisonId] } } })).toBe(ids.length);
    expect(dlq.records.filter((r) => r.headers['event-id'] === poisonId)).toHaveLength(1);
    // The whole batch went through the record-at-a-time path (one chunk: fewer records than CONSUMER_BATCH_MAX).
    expect(await fallbacks()).toBe(fallbacksBefore + 1);
  });

  it('dead-letters undecodable bytes at once, and a failing handler after its attempts; other keys flow', async () => {
    const poisonId = randomUUID();
    const poison = { ...(await taskCreatedRecord()), value: Buffer.from('not avro at all') };
    poison.headers = { ...poison.headers, 'event-id': poisonId };
    const failing = await taskCreatedRecord();
    const failingId = failing.headers!['event-id'] as string;
    broken.add(failingId);
    const after = await Promise.all(Array.from({ length: 5 }, () => taskCreatedRecord()));
    await produce(kafka, TOPICS.tasks, [poison, failing, ...after]);

    const poisonDlq = await waitFor(() => dlq.records.find((r) => r.headers['event-id'] === poisonId), {
      what: 'poison in the DLQ',
    });
    expect(poisonDlq.headers).toEqual(
      expect.objectContaining({
        'original-topic': TOPICS.tasks,
        'consumer-group': 'audit-log-cg',
        attempts: '0',
        'error-class': 'PoisonEventError',
        'error-message': expect.stringContaining('wire format'),
      }),
    );
    expect(Number(poisonDlq.headers['original-partition'])).toBeGreaterThanOrEqual(0);
    expect(poisonDlq.headers['original-offset']).toMatch(/^\d+$/);
    expect(Number.isNaN(Date.parse(poisonDlq.headers['failed-at']!))).toBe(false);

    const failedDlq = await waitFor(() => dlq.records.find((r) => r.headers['event-id'] === failingId), {
      what: 'the failing event in the DLQ',
    });
    expect(failedDlq.headers).toEqual(
      expect.objectContaining({
        attempts: '3',
        'error-class': 'TypeError',
        'error-message': `cannot handle ${failingId}`,
      }),
    );
    for (const a of after)
      await waitFor(async () => (await audited(a.headers!['event-id'] as string)) === 1, { what: 'later events' });
    expect(await audited(failingId)).toBe(0);

    const listed = await readDeadLetters(kafka, 'audit-log-cg');
    expect(listed.map((l) => l.eventId)).toEqual(expect.arrayContaining([poisonId, failingId]));

    broken.delete(failingId);
    await replayDeadLetters(
      kafka,
      listed.filter((l) => l.eventId === failingId),
    );
    await waitFor(async () => (await audited(failingId)) === 1, { what: 'the replayed event to be processed' });
  });
});
