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

/** What `handleChunk` receives besides the events: the handler context and a way to stay alive. */
export interface ChunkContext extends HandlerContext {
  /**
   * Tells Kafka this member is alive (errors ignored; a rebalance it reports is acted on after the
   * chunk). A `handleChunk` that does work per event calls it after each, as the default does.
   */
  heartbeat?(): Promise<void>;
}

/**
 * A consumer group's side effect for one event. It runs inside the transaction that also records
 * the event id as processed (raw statements on node-postgres: see lib/db/sql-tx.ts); events it
 * causes go through the outbox in that same transaction.
 * Throw a retriable AppError (or let a database outage surface) to retry without burning attempts;
 * any other error burns an attempt and, after the last, dead-letters the event.
 */
export interface EventHandler {
  readonly topics: readonly string[];
  /** One event in its own transaction: the record-at-a-time path, and the default of `handleChunk`. */
  handle(tx: SqlTx, event: ConsumedEvent, ctx: HandlerContext): Promise<void>;
  /**
   * The new events of one chunk (one partition, offset order) in one transaction. Without it the
   * runtime calls `handle` for each. A handler implements it for set-based reads and writes (one
   * statement for all of the chunk's events instead of one per event), and to take row locks that
   * events of different keys share in a fixed order, so two partitions' chunks in flight at once
   * wait for each other instead of deadlocking. The outcome must be what `handle` per event, in
   * order, would have done: a failed chunk is redone record at a time with `handle`.
   */
  handleChunk?(tx: SqlTx, events: readonly ConsumedEvent[], ctx: ChunkContext): Promise<void>;
}
