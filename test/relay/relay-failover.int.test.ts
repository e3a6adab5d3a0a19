/** Two relay processes: exactly one publishes; when it dies the standby takes over and nothing is lost. */
import { randomUUID } from 'node:crypto';
import { TOPICS } from '../../lib/topics.js';
import { missingEvents, orderViolations } from '../helpers/event-checks.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { writeEvents } from '../helpers/outbox-writer.js';
import { spawnRelay, type RelayProcess } from '../helpers/relay-process.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { waitFor } from '../helpers/wait-for.js';

function watchLog(p: RelayProcess): { active: () => boolean } {
  let active = false;
  p.child.stdout?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('this relay is now active')) active = true;
  });
  return { active: () => active };
}

describe('TypeScript relay: one active, standby takes over', () => {
  let database: TestDatabase;
  let collector: TopicCollector;
  const relays: RelayProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await new TopicCollector(testKafka('relay-failover'), [TOPICS.tasks]).start(false);
  });
  afterAll(async () => {
    for (const r of relays) await r.kill();
    await collector.stop();
    await database.drop();
  });

  it('publishes from one process only, and fails over within seconds', async () => {
    const a = spawnRelay(database.url, { RELAY_INSTANCE_ID: 'relay-a' });
    const b = spawnRelay(database.url, { RELAY_INSTANCE_ID: 'relay-b' });
    relays.push(a, b);
    const logA = watchLog(a);
    const logB = watchLog(b);
    await waitFor(() => logA.active() || logB.active(), { what: 'one relay to become active' });
    const keys = Array.from({ length: 50 }, () => `fo-${randomUUID()}`);
    const first = await writeEvents(database.url, keys, 20);
    await waitFor(() => missingEvents(first, collector.records).length === 0, {
      timeoutMs: 60_000,
      what: 'first wave',
    });
    // Exactly one holds the leader lock.
    expect([logA.active(), logB.active()].filter(Boolean)).toHaveLength(1);
    const locks = await database.db.$queryRaw<
      { n: bigint }[]
    >`select count(*) as n from pg_locks where locktype = 'advisory' and granted`;
    expect(Number(locks[0]!.n)).toBe(1);

    const [active, standby, standbyLog] = logA.active() ? [a, b, logB] : [b, a, logA];
    await active.kill('SIGKILL');
    const killedAt = Date.now();
    const second = await writeEvents(database.url, keys, 20, 16, 21);
    await waitFor(() => standbyLog.active(), { timeoutMs: 15_000, what: 'the standby to take over' });
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    expect(standby.child.exitCode).toBeNull();
    await waitFor(() => missingEvents([...first, ...second], collector.records).length === 0, {
      timeoutMs: 60_000,
      what: 'second wave via the standby',
    });
    expect(orderViolations(collector.records, new Set(keys))).toEqual([]);
  });
});
