/**
 * The outbox row, defined once: its columns, the row as the relays read it, and the Kafka record
 * it is published as. The writers (append-outbox-event.ts), the TypeScript relay
 * (relay/outbox-store.ts, relay/kafka-publisher.ts) and the Debezium handover (debezium/handover.ts)
 * all use these; Debezium's Event Router maps the same columns (debezium/connector.ts).
 */
import type { Message } from 'kafkajs';

/** The columns a writer sets, in the order of every INSERT into `outbox` (id and created_at are the table's). */
export const OUTBOX_WRITTEN_COLUMNS =
  'event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id';

/** The select list of a row as `outboxRowOf` reads it, from the outbox aliased `o` (ids and versions as text). */
export const OUTBOX_ROW_SELECT =
  'o.id::text AS id, o.event_id::text AS event_id, o.topic, o.message_key, o.event_type, ' +
  'o.aggregate_version::text AS aggregate_version, o.payload, o.occurred_at, o.traceparent, o.user_id';

/** An outbox row as the relays read it. */
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

/** An outbox row as selected with `OUTBOX_ROW_SELECT` (plus, optionally, `committed_ms`). */
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

/** The Kafka record of a row (architecture: the record on the wire): key, Avro value, six headers. */
export function recordOf(row: OutboxRow): Message {
  return {
    key: row.messageKey,
    value: row.payload,
    headers: {
      'event-id': row.eventId,
      'event-type': row.eventType,
      'aggregate-version': row.aggregateVersion,
      'occurred-at': row.occurredAt,
      traceparent: row.traceparent,
      'user-id': row.userId,
    },
  };
}
