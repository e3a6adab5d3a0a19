/**
 * The handover from the TypeScript relay to Debezium, so switching relays never leaves a gap.
 *
 * The connector runs with `snapshot.mode=no_data`: it streams what commits after its replication
 * slot was created and nothing before. Rows committed before that are the TypeScript relay's; but
 * a stopped relay leaves its unpublished rows in the outbox, and the API may keep writing until
 * the slot exists. So the slot is created here, not by the connector, and before the connector
 * starts, every row the slot will not stream is published the TypeScript relay's way
 * (`KafkaPublisher`, `recordOf`: the same bytes):
 *
 * 1. Record the slot as `pending` in `debezium_handover` (first, so a crash at any later point
 *    leaves the work marked as still to do).
 * 2. Create the slot (pgoutput). Every transaction that commits after its consistent point is
 *    streamed by the connector; every one that committed before is visible to a snapshot taken
 *    after this returns.
 * 3. Holding the TypeScript relay's leader lock (so no relay publishes at the same time), read the
 *    outbox in ONE repeatable-read snapshot in id order and publish it batch by batch, then delete
 *    what was published and mark the slot `done`. A snapshot holds, per key, a prefix of the key's
 *    events (writers lock the key, so a key's rows commit in version order); the connector then
 *    streams everything committed after the slot point, starting at or before the first version
 *    the snapshot lacks. Kafka gets per key the prefix, then the stream: duplicates possible
 *    (rows both in the snapshot and the stream), no gap and no new event out of order.
 * 4. Only then is the connector registered (register.ts).
 *
 * A crash before `done` repeats step 3 on the next run (duplicates only). A slot that exists
 * already is left alone: what it has not confirmed is still in its WAL. Keys held back after a
 * dead letter (`outbox_held_keys`) stop the handover: the TypeScript relay's operator tools have to
 * resolve them first, since Debezium has no notion of a held key.
 */
import pg from 'pg';
import { relayConfig } from '../relay/config.js';
import { KafkaPublisher } from '../relay/kafka-publisher.js';
import { OUTBOX_ROW_SELECT, outboxRowOf, type OutboxRow } from '../lib/outbox/outbox-row.js';
import { deleteOutboxRows } from '../relay/outbox-store.js';
import { HANDOVER_TABLE } from './setup-sql.js';

export class HandoverError extends Error {
  override readonly name = 'HandoverError';
}

export interface HandoverOptions {
  databaseUrl: string;
  slotName: string;
  kafkaBrokers: string[];
  /** The TypeScript relay's advisory lock id (RELAY_LOCK_ID). */
  relayLockId?: number;
  batchSize?: number;
  log?: (m: string) => void;
}

export interface HandoverResult {
  slotCreated: boolean;
  /** Rows published by the handover (undefined when no handover was needed). */
  drained: number | undefined;
}

export async function slotInfo(
  c: pg.ClientBase,
  slotName: string,
): Promise<{ database: string | null; active: boolean; activePid: number | null } | undefined> {
  const { rows } = await c.query<{ database: string | null; active: boolean; active_pid: number | null }>(
    'SELECT database, active, active_pid FROM pg_replication_slots WHERE slot_name = $1',
    [slotName],
  );
  const r = rows[0];
  return r && { database: r.database, active: r.active, activePid: r.active_pid };
}

/** Creates the slot when it does not exist and publishes what it will not stream. Idempotent. */
export async function ensureSlotWithHandover(o: HandoverOptions): Promise<HandoverResult> {
  const log = o.log ?? (() => undefined);
  const c = new pg.Client({ connectionString: o.databaseUrl, application_name: 'debezium-handover' });
  await c.connect();
  try {
    const slot = await slotInfo(c, o.slotName);
    if (slot && slot.database !== c.database) {
      throw new HandoverError(
        `replication slot ${o.slotName} belongs to database ${slot.database ?? '(physical slot)'}, not ${c.database}: choose another DEBEZIUM_SLOT_NAME`,
      );
    }
    const state = (
      await c.query<{ state: string }>(`SELECT state FROM ${HANDOVER_TABLE} WHERE slot_name = $1`, [o.slotName])
    ).rows[0]?.state;
    let slotCreated = false;
    if (!slot) {
      await c.query(
        `INSERT INTO ${HANDOVER_TABLE} (slot_name, state) VALUES ($1, 'pending')
         ON CONFLICT (slot_name) DO UPDATE SET state = 'pending', updated_at = now()`,
        [o.slotName],
      );
      try {
        // Waits for transactions in progress to finish: they are then either streamed or visible.
        await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [o.slotName]);
        slotCreated = true;
        log(`created replication slot ${o.slotName}`);
      } catch (err) {
        if ((err as { code?: string }).code !== '42710') throw err; // created concurrently: fine
      }
    } else if (state === undefined) {
      // A slot made before the handover existed (or by the connector itself): it streams what it
      // has not confirmed; there is nothing before it we could know about.
      await c.query(`INSERT INTO ${HANDOVER_TABLE} (slot_name, state) VALUES ($1, 'done') ON CONFLICT DO NOTHING`, [
        o.slotName,
      ]);
      return { slotCreated, drained: undefined };
    }
    const now = (
      await c.query<{ state: string }>(`SELECT state FROM ${HANDOVER_TABLE} WHERE slot_name = $1`, [o.slotName])
    ).rows[0]?.state;
    if (now !== 'pending') return { slotCreated, drained: undefined };
    const drained = await drainBeforeSlot(o, log);
    await c.query(`UPDATE ${HANDOVER_TABLE} SET state = 'done', updated_at = now() WHERE slot_name = $1`, [o.slotName]);
    return { slotCreated, drained };
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function drainBeforeSlot(o: HandoverOptions, log: (m: string) => void): Promise<number> {
  const lockId = o.relayLockId ?? relayConfig().leaderLockId;
  const batchSize = o.batchSize ?? 500;
  const lock = new pg.Client({ connectionString: o.databaseUrl, application_name: 'debezium-handover-lock' });
  const reader = new pg.Client({ connectionString: o.databaseUrl, application_name: 'debezium-handover' });
  const publisher = new KafkaPublisher(o.kafkaBrokers, 'debezium-handover');
  await lock.connect();
  try {
    const got = (await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [lockId])).rows[0]?.ok;
    if (!got) {
      throw new HandoverError(
        `the TypeScript relay is running on database ${lock.database} (it holds advisory lock ${lockId}): stop it fully, then register Debezium again`,
      );
    }
    const held = Number(
      (await lock.query<{ n: string }>('SELECT count(*) AS n FROM outbox_held_keys')).rows[0]?.n ?? 0,
    );
    if (held > 0) {
      throw new HandoverError(
        `${held} key(s) are held back after a dead letter (outbox_held_keys): resolve them with npm run relay:ops (release or replay) before switching to Debezium`,
      );
    }
    await reader.connect();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const published: string[] = [];
    let after = '0';
    for (;;) {
      const rows = await readBatch(reader, after, batchSize);
      if (rows.length === 0) break;
      await publisher.publish(rows);
      for (const r of rows) published.push(r.id);
      after = rows[rows.length - 1]!.id;
    }
    await reader.query('COMMIT');
    for (let i = 0; i < published.length; i += 1000) await deleteOutboxRows(lock, published.slice(i, i + 1000));
    if (published.length > 0) log(`handover: published ${published.length} row(s) committed before the slot existed`);
    return published.length;
  } finally {
    await publisher.reset();
    await reader.end().catch(() => undefined);
    await lock.end().catch(() => undefined); // ends the session: releases the advisory lock
  }
}

async function readBatch(c: pg.Client, afterId: string, limit: number): Promise<OutboxRow[]> {
  const { rows } = await c.query<Record<string, unknown>>(
    // Qualified: a bare `ORDER BY id` would sort by the text column of the select list.
    `SELECT ${OUTBOX_ROW_SELECT}
       FROM outbox o WHERE o.id > $1::bigint ORDER BY o.id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map(outboxRowOf);
}
