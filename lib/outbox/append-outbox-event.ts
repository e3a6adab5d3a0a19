/**
 * Writing one event to the outbox inside the caller's transaction. The value is encoded and
 * validated against the registered schema before the row is written, so a payload that does not
 * fit fails the transaction and nothing of the change commits.
 */
import { randomUUID } from 'node:crypto';
import type { EventCodec } from '../avro/event-codec.js';
import type { Tx } from '../db/prisma.js';
import { topicOf, type EventType } from '../topics.js';

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

export async function appendOutboxEvent(tx: Tx, codec: EventCodec, e: OutboxEventInput): Promise<WrittenEvent> {
  const value = await codec.encode(e.eventType, e.payload);
  const eventId = e.eventId ?? randomUUID();
  const topic = topicOf(e.eventType);
  // Raw SQL rather than the model API: measured at about 1 ms less CPU per write (bench:api),
  // which is most of what the outbox costs a request.
  await tx.$executeRaw`
    insert into outbox (event_id, topic, message_key, event_type, aggregate_version, payload, occurred_at, traceparent, user_id)
    values (${eventId}::uuid, ${topic}, ${e.key}, ${e.eventType}, ${e.aggregateVersion}, ${value}, ${(e.occurredAt ?? new Date()).toISOString()}, ${e.traceparent}, ${e.userId})`;
  return { eventId, eventType: e.eventType, topic };
}
