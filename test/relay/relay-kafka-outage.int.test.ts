/** Kafka stopped and restarted mid-run: the relay waits it out; nothing is lost or dead-lettered. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { relayDlqTopic, TOPICS } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { stackServices, ensureStack } from '../../scripts/stack/stack.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { writeEvents } from '../helpers/outbox-writer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

describe('TypeScript relay: Kafka outage', () => {
  let database: TestDatabase;
  let relay: RelayService;
  let collector: TopicCollector | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    relay = await startTestRelay(database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
  });
  afterAll(async () => {
    await ensureStack(() => undefined);
    await relay.stop();
    await collector?.stop();
    await database.drop();
  });

  it('publishes everything once Kafka is back, with no dead letters', async () => {
    const keys = Array.from({ length: 100 }, () => `outage-${randomUUID()}`);
    const before = await writeEvents(database.url, keys, 10);
    await stackServices().kafka.stop();
    const during = await writeEvents(database.url, keys, 10, 16, 11);
    await sleep(4000);
    await ensureStack(() => undefined);
    const after = await writeEvents(database.url, keys, 10, 16, 21);
    collector = await new TopicCollector(testKafka('relay-outage'), [TOPICS.tasks, relayDlqTopic(TOPICS.tasks)]).start(
      true,
    );
    const all = [...before, ...during, ...after];
    await waitFor(() => missingEvents(all, collector!.records).length === 0, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'every event after the outage',
    });
    expect(
      orderViolations(
        collector.records.filter((r) => r.topic === TOPICS.tasks),
        new Set(keys),
      ),
    ).toEqual([]);
    expect(
      collector.records.filter((r) => r.topic === relayDlqTopic(TOPICS.tasks) && keys.includes(r.key ?? '')),
    ).toEqual([]);
    const dead = await database.db.$queryRaw<{ n: bigint }[]>`select count(*) as n from outbox_dead_letters`;
    expect(Number(dead[0]!.n)).toBe(0);
  });
});
