/**
 * The outbox janitor for the Debezium relay. Debezium reads inserts from the WAL and never deletes
 * a row, so without the TypeScript relay's claim-and-delete the table would only grow. Deleting a
 * committed row later loses nothing: its insert is already in the WAL the slot retains. So the
 * janitor deletes rows older than `maxAgeMs` (default 60 s), in batches.
 *
 * With a slot name it deletes only rows the connector has confirmed, so that switching back to the
 * TypeScript relay (drop the slot, start `relay/main.ts`) can never lose an event even when
 * Connect was down for longer than `maxAgeMs`: the TypeScript relay then publishes exactly the rows
 * still in the table. Each round takes a mark, `(pg_current_wal_insert_lsn(), xmin of the current
 * snapshot)`, in one statement: every transaction with an xid below that xmin had committed (or
 * aborted) before the LSN. Once the slot's `confirmed_flush_lsn` has passed a mark's LSN, rows
 * inserted by such transactions have been published, and only they are eligible. (Row xids are
 * compared modulo 2^32, as PostgreSQL compares xids; outbox rows live minutes, not 2^31
 * transactions.) No slot, or a handover still pending: nothing is deleted.
 */
import pg from 'pg';
import { parseLsn } from '../lib/db/lsn.js';
import {
  DEBEZIUM_JANITOR_BATCH_SIZE,
  DEBEZIUM_JANITOR_INTERVAL_MS,
  DEBEZIUM_JANITOR_MAX_AGE_MS,
  read,
} from '../lib/config/settings.js';
import type { Logger } from '../lib/logger.js';
import { HANDOVER_TABLE } from './setup-sql.js';

export interface JanitorOptions {
  pool: pg.Pool;
  /** Rows older than this (by created_at) are deleted. */
  maxAgeMs: number;
  batchSize: number;
  intervalMs: number;
  /** Delete only what this slot has confirmed; undefined: age alone decides. */
  slotName?: string;
  logger?: Logger;
}

export function janitorSettingsFromEnv(): Pick<JanitorOptions, 'maxAgeMs' | 'batchSize' | 'intervalMs'> {
  return {
    maxAgeMs: read(DEBEZIUM_JANITOR_MAX_AGE_MS),
    batchSize: read(DEBEZIUM_JANITOR_BATCH_SIZE),
    intervalMs: read(DEBEZIUM_JANITOR_INTERVAL_MS),
  };
}

interface Mark {
  lsn: bigint;
  /** Low 32 bits of the snapshot's xmin: rows with a preceding xid are covered. */
  xmin32: bigint;
}

const MAX_MARKS = 10_000;

export class OutboxJanitor {
  private marks: Mark[] = [];
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastWarning = '';

  constructor(private readonly o: JanitorOptions) {}

  /** The xid bound rows must precede to be deleted: null when no slot guard applies, undefined when nothing may go. */
  private async guard(): Promise<bigint | null | undefined> {
    if (this.o.slotName === undefined) return null;
    let row: { confirmed: string | null; state: string | null } | undefined;
    try {
      row = (
        await this.o.pool.query<{ confirmed: string | null; state: string | null }>(
          `SELECT s.confirmed_flush_lsn::text AS confirmed, h.state
             FROM pg_replication_slots s LEFT JOIN ${HANDOVER_TABLE} h ON h.slot_name = s.slot_name
            WHERE s.slot_name = $1 AND s.database = current_database()`,
          [this.o.slotName],
        )
      ).rows[0];
    } catch (err) {
      if ((err as { code?: string }).code !== '42P01') throw err;
      row = undefined; // the Debezium setup has not run on this database
    }
    if (!row || row.state !== 'done' || row.confirmed === null) {
      this.marks = [];
      this.warnOnce(
        !row
          ? `no replication slot ${this.o.slotName} in this database: deleting nothing`
          : `handover of slot ${this.o.slotName} not done: deleting nothing`,
      );
      return undefined;
    }
    this.lastWarning = '';
    const confirmed = parseLsn(row.confirmed);
    let covered: Mark | undefined;
    while (this.marks.length > 0 && this.marks[0]!.lsn <= confirmed) covered = this.marks.shift();
    // Take this round's mark after reading the slot: it is used by later rounds.
    const m = (
      await this.o.pool.query<{ lsn: string; xmin: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
      )
    ).rows[0]!;
    this.marks.push({ lsn: parseLsn(m.lsn), xmin32: BigInt(m.xmin) & 0xffffffffn });
    if (this.marks.length > MAX_MARKS) this.marks.shift();
    if (!covered) return undefined;
    this.marks.unshift(covered); // still the best bound until a later mark is confirmed
    return covered.xmin32;
  }

  private warnOnce(msg: string): void {
    if (msg === this.lastWarning) return;
    this.lastWarning = msg;
    this.o.logger?.warn(msg);
  }

  /** One pass: deletes every eligible row, batch by batch. Returns how many went. */
  async round(): Promise<number> {
    const bound = await this.guard();
    if (bound === undefined) return 0;
    let total = 0;
    for (;;) {
      const res = await this.o.pool.query(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox
            WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)
              AND ($2::bigint IS NULL OR ((xmin::text::bigint - $2::bigint + 4294967296) % 4294967296) >= 2147483648)
            ORDER BY id LIMIT $3)`,
        [this.o.maxAgeMs, bound === null ? null : bound.toString(), this.o.batchSize],
      );
      total += res.rowCount ?? 0;
      if ((res.rowCount ?? 0) < this.o.batchSize || this.stopping) break;
    }
    if (total > 0) this.o.logger?.debug({ deleted: total }, 'outbox rows deleted');
    return total;
  }

  start(): void {
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.round();
      } catch (err) {
        this.o.logger?.warn({ err: (err as Error).message }, 'janitor round failed; retrying');
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.intervalMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }
}
