/**
 * A consumer service started while the broker is down waits for it instead of exiting (an exit
 * would stop every service of `npm start`). Its own file: stopping Kafka disturbs any in-process
 * Kafka client, so this file has none running while the broker is away.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditLogService } from '../../consumers/audit-log/audit-log-handler.js';
import { TOPICS } from '../../lib/topics.js';
import { ensureStack, stackServices } from '../../scripts/stack/stack.js';
import { groupAtLatest, spawnConsumer } from '../helpers/consumer-process.js';
import { testKafka } from '../helpers/kafka.js';
import { produce, taskCreatedRecord } from '../helpers/task-records.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';

describe('consumer start-up without Kafka', () => {
  const kafka = testKafka('consumer-kafka-start-test');
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await ensureStack(() => undefined);
    await database.drop();
  });

  it('waits for Kafka when started while the broker is down, then consumes', async () => {
    const groupId = `audit-log-cg-late-kafka-${randomUUID()}`;
    await groupAtLatest(kafka, groupId, auditLogService.createHandler({} as never).topics);
    const records = await Promise.all(Array.from({ length: 10 }, () => taskCreatedRecord()));
    await produce(kafka, TOPICS.tasks, records);
    const ids = records.map((r) => r.headers!['event-id'] as string);

    await stackServices().kafka.stop();
    const proc = spawnConsumer('audit-log-cg', database.url, { CONSUMER_KAFKA_GROUP_ID: groupId });
    try {
      // Long enough for kafkajs to give up its own connection retries more than once.
      await sleep(12_000);
      expect(proc.child.exitCode).toBeNull();
      await ensureStack(() => undefined);
      await waitFor(
        async () => (await database.db.auditEntry.count({ where: { eventId: { in: ids } } })) === ids.length,
        {
          timeoutMs: 90_000,
          intervalMs: 500,
          what: 'the events once Kafka is back',
        },
      );
      expect(proc.child.exitCode).toBeNull();
    } finally {
      await proc.kill('SIGTERM');
    }
  });
});
