/**
 * Switching from the TypeScript relay: rows it left unpublished (committed before the slot existed)
 * and rows written while the connector is being registered all reach Kafka, in per-key order. The
 * handover refuses to run while a TypeScript relay holds its leader lock, and a handover cut short
 * is completed by the next registration.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { relayConfig } from '../../relay/config.js';
import { TOPICS } from '../../lib/topics.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { writeEvents } from '../helpers/outbox-writer.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';
import { dropAndCheckClean, registerForTest, uniqueNames } from './debezium-test-kit.js';

describe('Debezium relay: handover from the TypeScript relay', () => {
  const names = uniqueNames('handover');
  let database: TestDatabase;
  let collector: TopicCollector;

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await new TopicCollector(testKafka('debezium-handover'), [TOPICS.tasks]).start(false);
  });
  afterAll(async () => {
    try {
      await dropAndCheckClean(database.url, names);
    } finally {
      await collector.stop();
      await database.drop();
    }
  });

  it('publishes rows committed before the slot, and everything after it, without gaps', async () => {
    const keys = Array.from({ length: 100 }, () => `dbz-handover-${randomUUID()}`);
    // Left behind by a TypeScript relay that was stopped.
    const written = await writeEvents(database.url, keys, 5, 8);

    // A TypeScript relay still holding its leader lock: the handover must refuse.
    const fakeRelay = new pg.Client({ connectionString: database.url });
    await fakeRelay.connect();
    try {
      await fakeRelay.query('SELECT pg_advisory_lock($1)', [relayConfig().leaderLockId]);
      await expect(registerForTest(database.url, names)).rejects.toThrow(/TypeScript relay is running/);
    } finally {
      await fakeRelay.end();
    }
    expect(missingEvents(written, collector.records)).toHaveLength(500);

    // The relay is gone; register again while writers keep writing.
    const during = writeEvents(database.url, keys, 10, 8, 6);
    const { handover } = await registerForTest(database.url, names);
    written.push(...(await during));
    written.push(...(await writeEvents(database.url, keys, 5, 8, 16)));
    expect(handover.drained).toBeGreaterThanOrEqual(500);

    await waitFor(() => missingEvents(written, collector.records).length === 0, {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'every event, from before and after the slot',
    });
    expect(written).toHaveLength(2000);
    expect(orderViolations(collector.records, new Set(keys))).toEqual([]);
  });
});
