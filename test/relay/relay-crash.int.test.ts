/** SIGKILL at any moment loses nothing: unacknowledged rows are published again on restart. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS } from '../../lib/topics.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { writeEvents } from '../helpers/outbox-writer.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';

describe('TypeScript relay: crashes', () => {
  let database: TestDatabase;
  let collector: TopicCollector;
  let relay: RelayProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await new TopicCollector(testKafka('relay-crash'), [TOPICS.tasks]).start(false);
  });
  afterAll(async () => {
    await relay?.kill();
    await collector.stop();
    await database.drop();
  });

  it('keeps every event and per-key order across repeated SIGKILLs', async () => {
    const keys = Array.from({ length: 200 }, () => `crash-${randomUUID()}`);
    // Small batches make kills land mid-publish more often.
    const env = { RELAY_BATCH_SIZE: '200' };
    relay = spawnRelay(database.url, env);
    const writing = writeEvents(database.url, keys, 50, 8);
    let kills = 0;
    for (let i = 0; i < 6; i++) {
      await sleep(1200 + Math.random() * 800);
      await relay.kill('SIGKILL');
      kills++;
      relay = spawnRelay(database.url, env);
    }
    const written = await writing;
    await waitFor(() => missingEvents(written, collector.records).length === 0, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'every event after the last restart',
    });
    expect(kills).toBe(6);
    expect(orderViolations(collector.records, new Set(keys))).toEqual([]);
    await waitFor(
      async () => Number((await database.db.$queryRaw<{ n: bigint }[]>`select count(*) as n from outbox`)[0]!.n) === 0,
      { what: 'an empty outbox' },
    );
  });
});
