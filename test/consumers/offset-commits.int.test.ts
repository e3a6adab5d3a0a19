/**
 * Offsets are committed on a clock (CONSUMER_COMMIT_INTERVAL_MS), at once after a dead-letter, and
 * on a graceful stop: not after every fetched batch. What a user of the group sees: a stopped and
 * restarted consumer takes up where it stopped, nothing redelivered; a quiet group's committed
 * offsets still catch up without another record arriving.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Message } from 'kafkajs';
import { auditLogHandler } from '../../consumers/audit-log/audit-log-handler.js';
import type { ConsumerServiceDefinition, RunningConsumerService } from '../../consumers/consumer-service.js';
import { TOPICS } from '../../lib/topics.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { groupAtLatest } from '../helpers/consumer-process.js';
import { testKafka } from '../helpers/kafka.js';
import { taskCreatedRecord } from '../helpers/task-records.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { waitFor } from '../helpers/wait-for.js';

const audit: ConsumerServiceDefinition = { group: 'audit-log-cg', createHandler: () => auditLogHandler };
/** Longer than any test here: only a stop or a dead-letter commits. */
const NEVER_MS = 600_000;

describe('offset commits', () => {
  const kafka = testKafka('offset-commits-test');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let admin: Admin;
  let database: TestDatabase;
  const running: RunningConsumerService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = kafka.admin();
    await admin.connect();
    await producer.connect();
  });
  afterAll(async () => {
    for (const s of running) await s.stop().catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
    await database.drop();
  });

  /** A new group is committed at the topic's end first: a restart without commits would redeliver. */
  const start = async (commitIntervalMs: number, existingGroupId?: string) => {
    const kafkaGroupId = existingGroupId ?? `audit-log-cg-test-${randomUUID()}`;
    if (!existingGroupId) await groupAtLatest(kafka, kafkaGroupId, [TOPICS.tasks]);
    const s = await startTestConsumer(audit, database.url, { config: { commitIntervalMs }, kafkaGroupId });
    running.push(s);
    return s;
  };
  /** Records of one key (so one partition); the partition and the offset after the last. */
  const send = async (messages: Message[]) => {
    const [meta] = await producer.send({ topic: TOPICS.tasks, acks: -1, messages });
    return { partition: meta!.partition, next: BigInt(meta!.baseOffset!) + BigInt(messages.length) };
  };
  /** The group's committed offset; a coordinator still loading (after a broker restart) is asked again. */
  const committed = async (groupId: string, partition: number) => {
    const [topic] = await waitFor(
      () => admin.fetchOffsets({ groupId, topics: [TOPICS.tasks] }).catch(() => undefined),
      { what: `the committed offsets of ${groupId}` },
    );
    return BigInt(topic!.partitions.find((p) => p.partition === partition)!.offset);
  };
  const audited = async (records: Message[]) =>
    database.db.auditEntry.count({
      where: { eventId: { in: records.map((r) => r.headers!['event-id'] as string) } },
    });
  const duplicates = async (s: RunningConsumerService) =>
    Number(
      (await (await fetch(s.metricsUrl)).text()).match(/consumer_events_duplicate_total\{[^}]*\} (\d+)/)?.[1] ?? 0,
    );

  it('a graceful stop commits what is finished: the restarted group redelivers nothing', async () => {
    const first = await start(NEVER_MS);
    const key = randomUUID();
    const records = await Promise.all(Array.from({ length: 5 }, () => taskCreatedRecord(key)));
    const { partition, next } = await send(records);
    await waitFor(async () => (await audited(records)) === records.length, { what: 'the records processed' });
    await first.stop();
    running.splice(running.indexOf(first), 1);
    expect(await committed(first.kafkaGroupId, partition)).toBeGreaterThanOrEqual(next);

    const second = await start(NEVER_MS, first.kafkaGroupId);
    const marker = await taskCreatedRecord(key);
    await send([marker]);
    await waitFor(async () => (await audited([marker])) === 1, { what: 'the marker after the restart' });
    expect(await duplicates(second)).toBe(0);
    expect(await audited(records)).toBe(records.length);
  });

  it("a quiet group's offsets are committed on the clock, without another record", async () => {
    const s = await start(300);
    const records = await Promise.all(Array.from({ length: 3 }, () => taskCreatedRecord(randomUUID())));
    const sent = await Promise.all(records.map((r) => send([r])));
    await waitFor(async () => (await audited(records)) === records.length, { what: 'the records processed' });
    for (const { partition, next } of sent)
      await waitFor(async () => (await committed(s.kafkaGroupId, partition)) >= next, {
        what: `partition ${partition} committed`,
        timeoutMs: 5_000,
      });
  });

  it('a dead-lettered record is committed at once, not at the next tick', async () => {
    const s = await start(NEVER_MS);
    const poison = { ...(await taskCreatedRecord()), value: Buffer.from('not avro') };
    const { partition, next } = await send([poison]);
    await waitFor(async () => (await committed(s.kafkaGroupId, partition)) >= next, {
      what: 'the dead-lettered record committed',
      timeoutMs: 15_000,
    });
  });
});
