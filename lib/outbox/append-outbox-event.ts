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
  await tx.outboxEvent.create({
    data: {
      eventId,
      topic,
      messageKey: e.key,
      eventType: e.eventType,
      aggregateVersion: BigInt(e.aggregateVersion),
      payload: new Uint8Array(value),
      occurredAt: (e.occurredAt ?? new Date()).toISOString(),
      traceparent: e.traceparent,
      userId: e.userId,
    },
  });
  return { eventId, eventType: e.eventType, topic };
}
