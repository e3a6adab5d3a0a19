/** What a consumer handler receives: the decoded event and where it came from. */
import type { EventCodec } from '../avro/event-codec.js';
import type { SqlTx } from '../db/sql-tx.js';
import type { ConsumerGroup } from '../topics.js';

export interface ConsumedEvent {
  eventId: string;
  eventType: string;
  topic: string;
  partition: number;
  offset: string;
  key: string;
  aggregateVersion: number;
  userId: string;
  traceparent: string;
  occurredAt: Date;
  headers: Record<string, string>;
  /** The Avro value decoded through the registry (snake_case fields as in schemas/). */
  payload: Record<string, unknown>;
}

export interface HandlerContext {
  group: ConsumerGroup;
  codec: EventCodec;
  clock: () => Date;
}

/**
 * A consumer group's side effect for one event. It runs inside the transaction that also records
 * the event id as processed (raw statements on node-postgres: see lib/db/sql-tx.ts); events it causes go through the outbox in that same transaction.
 * Throw a retriable AppError (or let a database outage surface) to retry without burning attempts;
 * any other error burns an attempt and, after the last, dead-letters the event.
 */
export interface EventHandler {
  readonly topics: readonly string[];
  handle(tx: SqlTx, event: ConsumedEvent, ctx: HandlerContext): Promise<void>;
  /**
   * Runs once before `handle` is called for each of `events` (new events of one partition, in
   * offset order) in one transaction. For row locks that events of different keys share: taking
   * them here in a fixed order keeps two partitions' transactions from deadlocking. Also the place
   * for a chunk's set-based reads and writes (one query for all of its events instead of one per
   * event); `handle` must still work alone, as the record-at-a-time fallback calls it without this.
   */
  beforeBatch?(tx: SqlTx, events: readonly ConsumedEvent[], ctx: HandlerContext): Promise<void>;
  /**
   * Runs once after `handle` was called for each of the chunk's new events, in the same
   * transaction: the place to write in one statement what the chunk's events set aside.
   */
  afterBatch?(tx: SqlTx, events: readonly ConsumedEvent[], ctx: HandlerContext): Promise<void>;
}
