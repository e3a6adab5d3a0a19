/**
 * Parity: the same outbox rows, published once by the TypeScript relay and once by Debezium, give
 * records with identical key, value bytes, headers (names, order and bytes) and partition. The rows
 * (fixed event ids) go into two test databases: one relayed by the TypeScript relay, one by
 * Debezium. Payloads are real Confluent-wire events of each topic, one of them large.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Consumer, IHeaders } from 'kafkajs';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { connectionConfig } from '../../lib/env.js';
import { TOPICS } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { testKafka } from '../helpers/kafka.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';
import { dropAndCheckClean, registerForTest, uniqueNames } from './debezium-test-kit.js';

interface Row {
  eventId: string;
  topic: string;
  key: string;
  eventType: string;
  version: number;
  payload: Buffer;
  occurredAt: string;
  traceparent: string;
  userId: string;
}

interface RawRecord {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** Records with raw bytes and the header order as received. */
class RawCollector {
  readonly records: RawRecord[] = [];
  private consumer: Consumer | undefined;
  async start(topics: string[]): Promise<this> {
    this.consumer = testKafka('debezium-parity').consumer({
      groupId: `test-parity-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: false });
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (joined = true));
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.records.push({ topic, partition, key: message.key, value: message.value, headers: message.headers ?? {} });
      },
    });
    await waitFor(() => joined, { what: 'collector to join its group' });
    return this;
  }
  byEventId(ids: Set<string>): Map<string, RawRecord[]> {
    const out = new Map<string, RawRecord[]>();
    for (const r of this.records) {
      const id = r.headers['event-id']?.toString();
      if (!id || !ids.has(id)) continue;
      out.set(id, [...(out.get(id) ?? []), r]);
    }
    return out;
  }
  stop(): Promise<void> | undefined {
    return this.consumer?.disconnect();
  }
}

async function buildRows(): Promise<Row[]> {
  const codec = EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
  const user = `ユーザー-${randomUUID().slice(0, 8)}`;
  const rows: Row[] = [];
  const trace = () => `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;
  // 12 task keys (some non-ASCII), 4 events each; one event with a large description.
  for (let k = 0; k < 12; k++) {
    const taskId = randomUUID();
    const key = k % 3 === 0 ? `tâche-✓-${taskId}` : taskId;
    for (let v = 1; v <= 4; v++) {
      const occurred = new Date(Date.UTC(2026, 10, 27, 12, k, v, 123));
      rows.push({
        eventId: randomUUID(),
        topic: TOPICS.tasks,
        key,
        eventType: 'TaskCreated',
        version: v,
        payload: await codec.encode('TaskCreated', {
          id: taskId,
          user_id: user,
          title: `parity ${k}/${v} «ü»`,
          description: k === 5 && v === 2 ? 'x'.repeat(200_000) : null,
          created_at: occurred.getTime(),
          due_date: null,
          priority: null,
          tags: ['parity', `k${k}`],
          is_recurring_template: false,
          recurrence_pattern: null,
          template_id: null,
          occurrence_at: null,
          reminder_lead_minutes: v,
        }),
        occurredAt: occurred.toISOString(),
        traceparent: trace(),
        userId: user,
      });
    }
  }
  for (let k = 0; k < 6; k++) {
    const reminderId = randomUUID();
    rows.push({
      eventId: randomUUID(),
      topic: TOPICS.reminders,
      key: reminderId,
      eventType: 'ReminderScheduled',
      version: 1,
      payload: await codec.encode('ReminderScheduled', {
        id: reminderId,
        task_id: randomUUID(),
        user_id: user,
        remind_at: Date.now() + 3_600_000,
        task_title: `rappel ${k}`,
        source: 'explicit',
      }),
      occurredAt: new Date().toISOString(),
      traceparent: trace(),
      userId: user,
    });
  }
  for (let v = 1; v <= 6; v++) {
    rows.push({
      eventId: randomUUID(),
      topic: TOPICS.broadcast,
      key: user,
      eventType: 'TaskChanged',
      version: 1_000_000_000_000 + v, // beyond 32 bits: the header is a decimal string either way
      payload: await codec.encode('TaskChanged', {
        task_id: randomUUID(),
        user_id: user,
        change_kind: 'Updated',
        version: v,
        occurred_at: Date.now(),
        source_event_id: randomUUID(),
        snapshot: null,
      }),
      occurredAt: new Date().toISOString(),
      traceparent: '',
      userId: user,
    });
  }
  return rows;
}

async function insertRows(databaseUrl: string, rows: Row[]): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    // A few rows per transaction, in a fixed order, as the application writes them.
    for (let i = 0; i < rows.length; i += 3) {
      await c.query('BEGIN');
      for (const r of rows.slice(i, i + 3)) {
        await c.query(
          `INSERT INTO outbox (event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [r.eventId, r.topic, r.key, r.eventType, r.version, r.payload, r.occurredAt, r.traceparent, r.userId],
        );
      }
      await c.query('COMMIT');
    }
  } finally {
    await c.end();
  }
}

function describeHeaders(h: IHeaders): [string, string][] {
  return Object.entries(h).map(([k, v]) => [
    k,
    Array.isArray(v) ? `ARRAY(${v.length})` : Buffer.isBuffer(v) ? v.toString('hex') : `NOT-A-BUFFER(${String(v)})`,
  ]);
}

describe('Debezium relay: parity with the TypeScript relay', () => {
  const names = uniqueNames('parity');
  let tsDb: TestDatabase;
  let dbzDb: TestDatabase;
  let collector: RawCollector;
  let relay: RelayService | undefined;

  beforeAll(async () => {
    [tsDb, dbzDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    collector = await new RawCollector().start(Object.values(TOPICS));
  });
  afterAll(async () => {
    try {
      await relay?.stop();
      await dropAndCheckClean(dbzDb.url, names);
    } finally {
      await collector.stop();
      await Promise.all([tsDb.drop(), dbzDb.drop()]);
    }
  });

  it('puts byte-identical records on the same partitions', async () => {
    const rows = await buildRows();
    const ids = new Set(rows.map((r) => r.eventId));

    // Phase 1: the TypeScript relay.
    relay = await startTestRelay(tsDb.url);
    await insertRows(tsDb.url, rows);
    await waitFor(() => collector.byEventId(ids).size === rows.length, {
      timeoutMs: 60_000,
      what: 'the TypeScript relay to publish every row',
    });
    await relay.stop();
    relay = undefined;
    const fromTs = collector.byEventId(ids);
    const tsCount = collector.records.length;

    // Phase 2: Debezium, the same rows in another database.
    await registerForTest(dbzDb.url, names);
    await insertRows(dbzDb.url, rows);
    const debeziumRecords = () => {
      const later = new RawCollector();
      later.records.push(...collector.records.slice(tsCount));
      return later.byEventId(ids);
    };
    await waitFor(() => debeziumRecords().size === rows.length, {
      timeoutMs: 90_000,
      what: 'Debezium to publish every row',
    });
    const fromDbz = debeziumRecords();

    const differences: string[] = [];
    for (const row of rows) {
      const ts = fromTs.get(row.eventId)!;
      const dbz = fromDbz.get(row.eventId)!;
      const expected = ts[0]!;
      for (const [relayName, recs] of [
        ['ts', ts],
        ['debezium', dbz],
      ] as const) {
        for (const r of recs) {
          const where = `${relayName} ${row.eventId}`;
          if (r.topic !== row.topic) differences.push(`${where}: topic ${r.topic}`);
          if (r.partition !== expected.partition)
            differences.push(`${where}: partition ${r.partition} vs ${expected.partition}`);
          if (!r.key?.equals(Buffer.from(row.key, 'utf8'))) differences.push(`${where}: key ${r.key?.toString('hex')}`);
          if (!r.value?.equals(row.payload))
            differences.push(`${where}: value differs (${r.value?.length} vs ${row.payload.length} bytes)`);
          const got = JSON.stringify(describeHeaders(r.headers));
          const want = JSON.stringify(describeHeaders(expected.headers));
          if (got !== want) differences.push(`${where}: headers ${got} vs ${want}`);
        }
      }
      // The TypeScript relay's headers are what the architecture specifies.
      expect(Object.fromEntries(Object.entries(expected.headers).map(([k, v]) => [k, v?.toString()]))).toEqual({
        'event-id': row.eventId,
        'event-type': row.eventType,
        'aggregate-version': String(row.version),
        'occurred-at': row.occurredAt,
        traceparent: row.traceparent,
        'user-id': row.userId,
      });
    }
    expect(differences).toEqual([]);
  });
});
