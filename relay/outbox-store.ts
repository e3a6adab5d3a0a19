/** The relay's SQL against the outbox: read a batch, delete what Kafka acknowledged, dead-letter. */
import type pg from 'pg';
import { inTransaction } from '../lib/db/sql-tx.js';

export interface OutboxRow {
  id: string;
  eventId: string;
  topic: string;
  messageKey: string;
  eventType: string;
  aggregateVersion: string;
  payload: Buffer;
  occurredAt: string;
  traceparent: string;
  userId: string;
  /** Commit time of the writing transaction (track_commit_timestamp), for the latency histogram. */
  committedAt: Date | null;
}

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** An outbox row as selected with the column names of the table (ids and versions as text). */
export function outboxRowOf(r: Record<string, unknown>): OutboxRow {
  const committedMs = r.committed_ms as number | null | undefined;
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    topic: r.topic as string,
    messageKey: r.message_key as string,
    eventType: r.event_type as string,
    aggregateVersion: r.aggregate_version as string,
    payload: r.payload as Buffer,
    occurredAt: r.occurred_at as string,
    traceparent: r.traceparent as string,
    userId: r.user_id as string,
    committedAt: committedMs == null ? null : new Date(committedMs),
  };
}

/**
 * The committed rows with the lowest ids, skipping keys held back after a dead letter and the
 * rows of the batch being published meanwhile (`inFlight`: acknowledged rows are deleted only
 * afterwards). No cursor: a row that commits late below ids already read is still picked up.
 *
 * `acknowledged` rows are deleted by the same statement, so the relay's read-ahead costs one round
 * trip. The select sees the snapshot from before that delete, so it excludes them itself.
 */
export async function fetchOutboxBatch(
  db: Queryable,
  limit: number,
  inFlight: string[] = [],
  acknowledged: string[] = [],
): Promise<OutboxRow[]> {
  // The commit time comes as epoch milliseconds: parsing a timestamp string per row costs more.
  const { rows } = await db.query<Record<string, unknown>>(
    `with acknowledged as (delete from outbox where id = any($3::bigint[]))
     select o.id::text, o.event_id::text, o.topic, o.message_key, o.event_type, o.aggregate_version::text,
            o.payload, o.occurred_at, o.traceparent, o.user_id,
            (extract(epoch from pg_xact_commit_timestamp(o.xmin)) * 1000)::float8 as committed_ms
       from outbox o
      where not exists (select 1 from outbox_held_keys h where h.message_key = o.message_key)
        and o.id <> all($2::bigint[])
        and o.id <> all($3::bigint[])
      order by o.id
      limit $1`,
    [limit, inFlight, acknowledged],
  );
  return rows.map(outboxRowOf);
}

export async function deleteOutboxRows(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query('delete from outbox where id = any($1::bigint[])', [ids]);
}

/**
 * Moves a row Kafka refused to the dead-letter table and holds its key back, in one transaction,
 * so later events of the key wait instead of overtaking it.
 */
export async function deadLetterRow(pool: pg.Pool, row: OutboxRow, reason: string): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query(
      `insert into outbox_dead_letters (id, event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id, created_at, reason)
       select id, event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id, created_at, $2
         from outbox where id = $1
       on conflict (id) do update set reason = excluded.reason, failed_at = now()`,
      [row.id, reason],
    );
    await c.query(
      `insert into outbox_held_keys (message_key, topic, event_id, reason) values ($1, $2, $3, $4)
       on conflict (message_key) do nothing`,
      [row.messageKey, row.topic, row.eventId, reason],
    );
    await c.query('delete from outbox where id = $1', [row.id]);
  });
}

export interface BacklogStats {
  waiting: number;
  oldestAgeSeconds: number;
  heldKeys: number;
}

export async function backlogStats(db: Queryable): Promise<BacklogStats> {
  const { rows } = await db.query<{ waiting: string; oldest: number | null; held: string }>(
    `select (select count(*) from outbox) as waiting,
            (select extract(epoch from now() - min(created_at)) from outbox)::float8 as oldest,
            (select count(*) from outbox_held_keys) as held`,
  );
  const r = rows[0]!;
  return { waiting: Number(r.waiting), oldestAgeSeconds: r.oldest ?? 0, heldKeys: Number(r.held) };
}

export interface StalledWriter {
  pid: number;
  ageSeconds: number;
  state: string;
  query: string;
}

/** Transactions that hold an xid for longer than `olderThanMs`: their outbox rows are not visible yet. */
export async function stalledWriters(db: Queryable, olderThanMs: number): Promise<StalledWriter[]> {
  const { rows } = await db.query<{ pid: number; age: number; state: string; query: string }>(
    `select pid, extract(epoch from now() - xact_start)::float8 as age, state, left(query, 200) as query
       from pg_stat_activity
      where datname = current_database() and backend_xid is not null and pid <> pg_backend_pid()
        and xact_start < now() - make_interval(secs => $1::float8 / 1000)
      order by xact_start`,
    [olderThanMs],
  );
  return rows.map((r) => ({ pid: r.pid, ageSeconds: r.age, state: r.state, query: r.query }));
}
