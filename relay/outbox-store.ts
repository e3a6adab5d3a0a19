/** The relay's SQL against the outbox: read a batch, delete what Kafka acknowledged, dead-letter. */
import type pg from 'pg';
import { inTransaction } from '../lib/db/sql-tx.js';
import { OUTBOX_ROW_SELECT, OUTBOX_WRITTEN_COLUMNS, outboxRowOf, type OutboxRow } from '../lib/outbox/outbox-row.js';

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

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
     select ${OUTBOX_ROW_SELECT},
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
      `insert into outbox_dead_letters (id, ${OUTBOX_WRITTEN_COLUMNS}, created_at, reason)
       select id, ${OUTBOX_WRITTEN_COLUMNS}, created_at, $2
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
