/** Producing task-event records straight to Kafka, as a relay would: for redelivery and poison tests. */
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { connectionConfig } from '../../lib/env.js';

const USER = 'runtime-test';
let codec: EventCodec | undefined;

/**
 * A real TaskCreated of task `key` (the value's id is the key and its user the `user-id` header,
 * as consumers check), with headers as the relays write them.
 */
export async function taskCreatedRecord(key: string = randomUUID(), eventId: string = randomUUID()): Promise<Message> {
  codec ??= EventCodec.forUrl(connectionConfig().schemaRegistryUrl);
  const value = await codec.encode('TaskCreated', {
    id: key,
    user_id: USER,
    title: 'relay test event',
    description: null,
    created_at: Date.now(),
    due_date: null,
    priority: null,
    tags: [],
    is_recurring_template: false,
    recurrence_pattern: null,
    template_id: null,
    occurrence_at: null,
    reminder_lead_minutes: null,
  });
  return {
    key,
    value,
    headers: {
      'event-id': eventId,
      'event-type': 'TaskCreated',
      'aggregate-version': '1',
      'occurred-at': new Date().toISOString(),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'user-id': USER,
    },
  };
}

export async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}
