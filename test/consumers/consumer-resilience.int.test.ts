/**
 * Crashes and outages: a consumer SIGKILLed mid-run applies every side effect exactly once after
 * restart; PostgreSQL stopped mid-run sends nothing to the DLQ and everything is processed after.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { auditLogService } from '../../consumers/audit-log/audit-log-handler.js';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import { consumerDlqTopic, TOPICS } from '../../lib/topics.js';
import { ensureStack, stackServices } from '../../scripts/stack/stack.js';
import { groupAtLatest, spawnConsumer, type ConsumerProcess } from '../helpers/consumer-process.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { produce, taskCreatedRecord } from '../helpers/task-records.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';

describe('consumer resilience', () => {
  const kafka = testKafka('resilience-test');
  let database: TestDatabase;
  let dlq: TopicCollector;

  beforeAll(async () => {
    database = await createTestDatabase();
    dlq = await new TopicCollector(kafka, [consumerDlqTopic('audit-log-cg')]).start(false);
  });
  afterAll(async () => {
    await ensureStack(() => undefined);
    await dlq.stop();
    await database.drop();
  });

  it('applies each side effect exactly once across a SIGKILL mid-run', async () => {
    const groupId = `audit-log-cg-crash-${randomUUID()}`;
    await groupAtLatest(kafka, groupId, auditLogService.createHandler({} as never).topics);
    // One after another: the first resolves the schema id, the rest use the cached one (a thousand
    // concurrent first lookups exhaust the registry's connection pool).
    const records: Message[] = [];
    for (let i = 0; i < 1000; i++) records.push(await taskCreatedRecord(`crash-key-${i % 40}`));
    const ids = records.map((r) => r.headers!['event-id'] as string);
    await produce(kafka, TOPICS.tasks, records);
    // Small chunks, one partition at a time: the kill lands mid-run, most likely between a chunk's
    // transaction and its offset commit or inside a chunk, so the restart redelivers finished events.
    let proc: ConsumerProcess = spawnConsumer('audit-log-cg', database.url, {
      CONSUMER_KAFKA_GROUP_ID: groupId,
      CONSUMER_PARTITIONS_CONCURRENTLY: '1',
      CONSUMER_BATCH_MAX: '10',
    });
    const count = () => database.db.auditEntry.count({ where: { eventId: { in: ids } } });
    await waitFor(async () => (await count()) >= 20, { timeoutMs: 60_000, what: 'some progress before the kill' });
    await proc.kill('SIGKILL');
    const atKill = await count();
    expect(atKill).toBeLessThan(ids.length);
    proc = spawnConsumer('audit-log-cg', database.url, { CONSUMER_KAFKA_GROUP_ID: groupId });
    try {
      await waitFor(async () => (await count()) === ids.length, {
        timeoutMs: 90_000,
        intervalMs: 300,
        what: 'every event after restart',
      });
    } finally {
      await proc.kill('SIGTERM');
    }
    expect(
      await database.db.processedEvent.count({ where: { consumerGroup: 'audit-log-cg', eventId: { in: ids } } }),
    ).toBe(ids.length);
    expect(dlq.records.filter((r) => ids.includes(r.headers['event-id'] ?? ''))).toEqual([]);
  });

  it('waits out a PostgreSQL outage without dead-lettering anything', async () => {
    const service: RunningConsumerService = await startTestConsumer(auditLogService, database.url);
    try {
      const first = await Promise.all(Array.from({ length: 20 }, () => taskCreatedRecord()));
      await produce(kafka, TOPICS.tasks, first);
      const ids = first.map((r) => r.headers!['event-id'] as string);
      await waitFor(async () => (await database.db.auditEntry.count({ where: { eventId: { in: ids } } })) === 20, {
        what: 'before the outage',
      });

      await stackServices().postgres.stop();
      const during = await Promise.all(Array.from({ length: 30 }, () => taskCreatedRecord()));
      await produce(kafka, TOPICS.tasks, during);
      await sleep(5000);
      await ensureStack(() => undefined);
      const all = [...ids, ...during.map((r) => r.headers!['event-id'] as string)];
      await waitFor(
        async () => (await database.db.auditEntry.count({ where: { eventId: { in: all } } })) === all.length,
        {
          timeoutMs: 60_000,
          intervalMs: 500,
          what: 'everything after PostgreSQL is back',
        },
      );
      expect(dlq.records.filter((r) => all.includes(r.headers['event-id'] ?? ''))).toEqual([]);
      expect(await (await fetch(service.metricsUrl)).text()).toMatch(
        /consumer_events_retried_total\{group="audit-log-cg",cause="transient"\} [1-9]/,
      );
    } finally {
      await service.stop();
    }
  });
});
