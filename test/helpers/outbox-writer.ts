/**
 * Writes outbox rows the way the application does: per key, each event in its own transaction
 * after locking the key (as the API locks the task row), so a key's rows commit in version order.
 * Keys are written concurrently.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { connectionConfig } from '../../lib/env.js';
import { TOPICS } from '../../lib/topics.js';

export interface WrittenRow {
  eventId: string;
  key: string;
  version: number;
}

let samplePayload: Buffer | undefined;

/** A real Confluent-wire TaskCreated, so consumers of the topic can decode what tests publish. */
export async function sampleTaskCreated(): Promise<Buffer> {
  if (samplePayload) return samplePayload;
  const codec = EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
  samplePayload = await codec.encode('TaskCreated', {
    id: randomUUID(),
    user_id: 'relay-test',
    title: 'relay test event',
    description: null,
    created_at: Date.now(),
    due_date: null,
    priority: null,
    tags: [],
    is_recurring_template: false,
    recurrence_pattern: null,
    template_id: null,
    occurrence_at: null,
    reminder_lead_minutes: null,
  });
  return samplePayload;
}

export async function insertOutboxRow(
  c: pg.ClientBase | pg.Pool,
  key: string,
  version: number,
  payload: Buffer,
  topic: string = TOPICS.tasks,
): Promise<WrittenRow> {
  const eventId = randomUUID();
  await c.query(
    `insert into outbox (event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id)
     values ($1, $2, $3, 'TaskCreated', $4, $5, $6, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'relay-test')`,
    [eventId, topic, key, version, payload, new Date().toISOString()],
  );
  return { eventId, key, version };
}

/** `perKey` events for each key, keys written concurrently by `writers` connections. */
export async function writeEvents(
  databaseUrl: string,
  keys: string[],
  perKey: number,
  writers = 16,
  firstVersion = 1,
): Promise<WrittenRow[]> {
  const payload = await sampleTaskCreated();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: writers });
  const out: WrittenRow[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: writers }, async () => {
        for (;;) {
          const i = next++;
          if (i >= keys.length) return;
          const key = keys[i]!;
          for (let v = firstVersion; v < firstVersion + perKey; v++)
            out.push(await insertOutboxRow(pool, key, v, payload));
        }
      }),
    );
  } finally {
    await pool.end();
  }
  return out;
}
