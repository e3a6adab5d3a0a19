/**
 * SIGKILL of the Kafka Connect worker mid-run, writers continuing during the outage: after the
 * restart every event is on Kafka (duplicates allowed), in per-key order.
 */
import { randomUUID } from 'node:crypto';
import { TOPICS } from '../../lib/topics.js';
import { connectorStatus, waitUntilRunning } from '../../debezium/register.js';
import { ensureStack, stackServices } from '../../scripts/stack/stack.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { writeEvents, type WrittenRow } from '../helpers/outbox-writer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';
import { CONNECT_URL, dropAndCheckClean, registerForTest, uniqueNames } from './debezium-test-kit.js';

describe('Debezium relay: Connect worker crash', () => {
  const names = uniqueNames('crash');
  let database: TestDatabase;
  let collector: TopicCollector;

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await new TopicCollector(testKafka('debezium-crash'), [TOPICS.tasks]).start(false);
    await registerForTest(database.url, names);
  });
  afterAll(async () => {
    try {
      // Whatever happened above, leave a running worker behind for everyone else.
      await ensureStack(() => undefined);
      await dropAndCheckClean(database.url, names);
    } finally {
      await collector.stop();
      await database.drop();
    }
  });

  it('loses nothing when the worker is SIGKILLed while writers keep writing', async () => {
    const connect = stackServices().connect;
    const keys = Array.from({ length: 100 }, () => `dbz-crash-${randomUUID()}`);
    const written: WrittenRow[] = [];

    const mine = new Set(keys);
    const published = () => collector.records.filter((r) => r.key !== null && mine.has(r.key)).length;

    // Before: versions 1-10; the kill lands once the first of them are on Kafka, mid-run.
    const before = writeEvents(database.url, keys, 10, 8);
    await waitFor(() => published() >= 20, { intervalMs: 20, what: 'the first events on Kafka' });
    await connect.kill();
    written.push(...(await before));
    await waitFor(() => !connect.isRunning(), { what: 'the worker to be gone' });
    // During the outage: versions 11-15.
    written.push(...(await writeEvents(database.url, keys, 5, 8, 11)));
    const missingDuringOutage = missingEvents(written, collector.records).length;

    // Restart (as `npm run stack:up` would) while writing versions 16-20.
    const after = writeEvents(database.url, keys, 5, 8, 16);
    await ensureStack(() => undefined);
    written.push(...(await after));
    await waitUntilRunning(CONNECT_URL, names.connectorName, 120_000);

    await waitFor(() => missingEvents(written, collector.records).length === 0, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'every event after the restart',
    });
    expect(written).toHaveLength(2000);
    expect(missingDuringOutage).toBeGreaterThan(0); // the outage really held events back
    expect(orderViolations(collector.records, mine)).toEqual([]);
    expect((await connectorStatus(CONNECT_URL, names.connectorName))?.connector.state).toBe('RUNNING');
  });
});
