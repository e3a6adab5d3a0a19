/**
 * Writing one event to the outbox inside the caller's transaction. The value is encoded and
 * validated against the registered schema before the row is written, so a payload that does not
 * fit fails the transaction and nothing of the change commits.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '@prisma/client';
import type { EventCodec } from '../avro/event-codec.js';
import type { SqlTx } from '../db/sql-tx.js';
import { topicOf, type EventType } from '../topics.js';
import { OUTBOX_WRITTEN_COLUMNS } from './outbox-row.js';

const COLUMNS = Prisma.raw(OUTBOX_WRITTEN_COLUMNS);
const COLUMNS_OF_O = Prisma.raw(
  OUTBOX_WRITTEN_COLUMNS.split(', ')
    .map((c) => `o.${c}`)
    .join(', '),
);

export interface OutboxEventInput {
  eventType: EventType;
  /** The aggregate id: the record key. */
  key: string;
  aggregateVersion: number;
  userId: string;
  traceparent: string;
  payload: unknown;
  occurredAt?: Date;
  eventId?: string;
}

export interface WrittenEvent {
  eventId: string;
  eventType: EventType;
  topic: string;
}

/** An event ready to be inserted: its value encoded and validated. */
export interface EncodedOutboxEvent extends WrittenEvent {
  key: string;
  aggregateVersion: number;
  userId: string;
  traceparent: string;
  value: Buffer;
  occurredAt: Date;
}

/** Validates and encodes; throws EventSchemaError before anything is written. */
export async function encodeOutboxEvent(codec: EventCodec, e: OutboxEventInput): Promise<EncodedOutboxEvent> {
  return {
    eventId: e.eventId ?? randomUUID(),
    eventType: e.eventType,
    topic: topicOf(e.eventType),
    key: e.key,
    aggregateVersion: e.aggregateVersion,
    userId: e.userId,
    traceparent: e.traceparent,
    value: await codec.encode(e.eventType, e.payload),
    occurredAt: e.occurredAt ?? new Date(),
  };
}

/**
 * The INSERT of an encoded event, run alone or as the final statement after a data-modifying CTE
 * that writes the change itself (one round trip, one statement: both rows or neither). Raw SQL
 * rather than the model API: Prisma's query compiler costs about 1 ms of CPU per model query.
 */
export function outboxInsert(r: EncodedOutboxEvent): Prisma.Sql {
  return Prisma.sql`
    insert into outbox (${COLUMNS})
    values (${r.eventId}::uuid, ${r.topic}, ${r.key}, ${r.eventType}, ${r.aggregateVersion}, ${r.value}, ${r.occurredAt.toISOString()}, ${r.traceparent}, ${r.userId})`;
}

export async function appendOutboxEvent(tx: SqlTx, codec: EventCodec, e: OutboxEventInput): Promise<WrittenEvent> {
  const r = await encodeOutboxEvent(codec, e);
  await tx.execute(outboxInsert(r));
  return { eventId: r.eventId, eventType: r.eventType, topic: r.topic };
}

/**
 * One INSERT of several encoded events (a consumer chunk's outbox rows): one statement instead of
 * one per event, for the same reason as `outboxInsert`. Rows are written in the given order.
 */
export function outboxInsertMany(rows: readonly EncodedOutboxEvent[]): Prisma.Sql {
  const values = rows.map(
    (r) =>
      Prisma.sql`(${r.eventId}::uuid, ${r.topic}, ${r.key}, ${r.eventType}, ${r.aggregateVersion}, ${r.value}, ${r.occurredAt.toISOString()}, ${r.traceparent}, ${r.userId})`,
  );
  return Prisma.sql`
    insert into outbox (${COLUMNS})
    values ${Prisma.join(values)}`;
}

/**
 * The INSERT of encoded events, each written only if the row it belongs to is among those `cte`
 * returns: `cte` names a data-modifying CTE of the same statement (`insert … on conflict do nothing
 * returning id`), so an event is written exactly when its change was, all in one round trip.
 * `rows` pairs each event with that row's id; events are written in the given order.
 */
export function outboxInsertForRowsOf(
  cte: string,
  rows: readonly { id: string; event: EncodedOutboxEvent }[],
): Prisma.Sql {
  const col = <T>(f: (r: { id: string; event: EncodedOutboxEvent }) => T) => rows.map(f);
  return Prisma.sql`
    insert into outbox (${COLUMNS})
    select ${COLUMNS_OF_O}
      from unnest(${col((r) => r.event.eventId)}::uuid[], ${col((r) => r.event.topic)}::text[], ${col((r) => r.event.key)}::text[],
                  ${col((r) => r.event.eventType)}::text[], ${col((r) => r.event.aggregateVersion)}::bigint[], ${col((r) => r.event.value)}::bytea[],
                  ${col((r) => r.event.occurredAt.toISOString())}::text[], ${col((r) => r.event.traceparent)}::text[],
                  ${col((r) => r.event.userId)}::text[], ${col((r) => r.id)}::uuid[])
           with ordinality as o(${COLUMNS}, row_id, n)
      join ${Prisma.raw(cte)} on ${Prisma.raw(cte)}.id = o.row_id
     order by o.n`;
}
