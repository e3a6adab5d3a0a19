/** Producing task-event records straight to Kafka, as a relay would: for redelivery and poison tests. */
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { sampleTaskCreated } from './outbox-writer.js';

export async function taskCreatedRecord(key: string = randomUUID(), eventId: string = randomUUID()): Promise<Message> {
  return {
    key,
    value: await sampleTaskCreated(),
    headers: {
      'event-id': eventId,
      'event-type': 'TaskCreated',
      'aggregate-version': '1',
      'occurred-at': new Date().toISOString(),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'user-id': 'runtime-test',
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
