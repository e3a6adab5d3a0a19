/**
 * Outbox rows for the relay bench, written straight to the table: a bulk pre-fill for the drain,
 * and a paced writer for the steady load. Payloads are real Confluent-wire TaskCreated values
 * (about 300 bytes, padded through the description), because the rows really land on a topic
 * (todo.tasks.events unless told otherwise) and anything consuming it must be able to decode them.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { EventCodec } from '../lib/avro/event-codec.js';
import { connectionConfig } from '../lib/env.js';
import { sleep, summarize, type LatencySummary } from './bench-kit.js';

export interface OutboxFixture {
  topic: string;
  keys: string[];
  userIds: string[];
  payloads: Buffer[];
}

/** `keyCount` task ids, each with its encoded TaskCreated of about `payloadBytes` bytes. */
export async function makeFixture(topic: string, keyCount: number, payloadBytes: number): Promise<OutboxFixture> {
  const codec = EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
  const now = Date.now();
  const encode = (id: string, userId: string, descriptionLength: number) =>
    codec.encode('TaskCreated', {
      id,
      user_id: userId,
      title: 'Benchmark task: review the quarterly figures',
      description: 'Relay benchmark payload. '.repeat(20).slice(0, Math.max(0, descriptionLength)),
      created_at: now,
      due_date: now + 86_400_000,
      priority: 'Medium',
      tags: ['bench', 'relay'],
      is_recurring_template: false,
      recurrence_pattern: null,
      template_id: null,
      occurrence_at: null,
      reminder_lead_minutes: 15,
    });
  const f: OutboxFixture = { topic, keys: [], userIds: [], payloads: [] };
  for (let k = 0; k < keyCount; k++) {
    const id = randomUUID();
    const userId = `bench-relay-user-${k % 50}`;
    const probe = await encode(id, userId, 250);
    f.keys.push(id);
    f.userIds.push(userId);
    f.payloads.push(await encode(id, userId, 250 + payloadBytes - probe.length));
  }
  return f;
}

const traceparent = () => `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;

/**
 * Inserts `count` rows over the fixture's keys in chunks of 10,000 rows per statement and
 * transaction (generate_series: the rows never cross the wire one by one). Row g has key
 * g mod K and version g div K + 1, so each key's versions rise with the id.
 */
export async function prefill(db: pg.Pool, f: OutboxFixture, count: number): Promise<void> {
  const chunk = 10_000;
  for (let from = 0; from < count; from += chunk) {
    const to = Math.min(count, from + chunk) - 1;
    await db.query(
      `insert into outbox (event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id)
       select gen_random_uuid(), $1, ($2::text[])[g % $3 + 1], 'TaskCreated', g / $3 + 1, ($4::bytea[])[g % $3 + 1], $5,
              '00-' || md5(g::text) || '-' || substr(md5('span' || g::text), 1, 16) || '-01', ($6::text[])[g % $3 + 1]
         from generate_series($7::int, $8::int) g`,
      [f.topic, f.keys, f.keys.length, f.payloads, new Date().toISOString(), f.userIds, from, to],
    );
  }
}

export interface WriterResult {
  inserted: number;
  failed: number;
  elapsedS: number;
  achievedPerS: number;
  /** How late the writer's ticks fired at worst (a busy event loop delays them). */
  maxTickLagMs: number;
  /** From an INSERT's due time to its commit: queueing for a connection included. */
  commitLatencyMs: LatencySummary;
}

/**
 * Paced writer: every `tickMs`, `ratePerS × tickMs / 1000` single-row INSERTs, each its own
 * autocommit transaction (the shape of API traffic: one event per request transaction, one NOTIFY
 * per commit), issued concurrently over the pool. Ticks follow a fixed schedule, so a slow tick
 * is followed by a catch-up tick rather than lowering the offered rate.
 */
export async function steadyWriter(
  db: pg.Pool,
  f: OutboxFixture,
  versions: number[],
  ratePerS: number,
  durationMs: number,
  tickMs = 20,
): Promise<WriterResult> {
  const perTick = Math.round((ratePerS * tickMs) / 1000);
  const ticks = Math.round(durationMs / tickMs);
  const out: WriterResult = {
    inserted: 0,
    failed: 0,
    elapsedS: 0,
    achievedPerS: 0,
    maxTickLagMs: 0,
    commitLatencyMs: summarize([]),
  };
  const latencies: number[] = [];
  let inFlight = 0;
  let seq = versions.reduce((s, v) => s + v, 0);
  const start = performance.now();
  for (let t = 0; t < ticks; t++) {
    const due = start + t * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    out.maxTickLagMs = Math.max(out.maxTickLagMs, performance.now() - due);
    for (let i = 0; i < perTick; i++) {
      const k = seq++ % f.keys.length;
      const version = ++versions[k]!;
      inFlight++;
      void db
        .query({
          name: 'bench-outbox-insert',
          text: `insert into outbox (event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id)
                 values ($1, $2, $3, 'TaskCreated', $4, $5, $6, $7, $8)`,
          values: [
            randomUUID(),
            f.topic,
            f.keys[k],
            version,
            f.payloads[k],
            new Date().toISOString(),
            traceparent(),
            f.userIds[k],
          ],
        })
        .then(
          () => {
            out.inserted++;
            latencies.push(performance.now() - due);
          },
          () => void out.failed++,
        )
        .finally(() => void inFlight--);
    }
  }
  while (inFlight > 0) await sleep(2);
  out.elapsedS = (performance.now() - start) / 1000;
  out.achievedPerS = Math.round(out.inserted / out.elapsedS);
  out.commitLatencyMs = summarize(latencies);
  return out;
}
