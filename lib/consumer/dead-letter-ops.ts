/**
 * Reading a group's DLQ and replaying chosen events. A replay re-publishes the original record
 * (key, value, headers without the DLQ's) to its original topic: the failed group processes it
 * again, and every other group skips it by its event id (inbox dedupe).
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { consumerDlqTopic, type ConsumerGroup } from '../topics.js';
import { DLQ_HEADERS } from '../kafka/dead-letter-headers.js';

export interface DeadLetteredEvent {
  offset: string;
  eventId: string | undefined;
  eventType: string | undefined;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  originalTopic: string;
  attempts: number;
  errorClass: string;
  errorMessage: string;
  failedAt: string;
}

/** Every record in the group's DLQ, read from the beginning up to its current end. */
export async function readDeadLetters(
  kafka: Kafka,
  group: ConsumerGroup,
  timeoutMs = 30_000,
): Promise<DeadLetteredEvent[]> {
  const topic = consumerDlqTopic(group);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]),
  );
  const out: DeadLetteredEvent[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          if (v !== undefined && !Array.isArray(v)) h[k] = v.toString();
        out.push({
          offset: `${partition}:${message.offset}`,
          eventId: h['event-id'],
          eventType: h['event-type'],
          key: message.key?.toString() ?? null,
          value: message.value,
          headers: h,
          originalTopic: h['original-topic'] ?? '',
          attempts: Number(h.attempts ?? 0),
          errorClass: h['error-class'] ?? '',
          errorMessage: h['error-message'] ?? '',
          failedAt: h['failed-at'] ?? '',
        });
        const end = remaining.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

/** Re-publishes the chosen dead letters to their original topics; returns how many. */
export async function replayDeadLetters(kafka: Kafka, events: DeadLetteredEvent[]): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const e of events) {
      if (!e.originalTopic) continue;
      const headers = Object.fromEntries(
        Object.entries(e.headers).filter(([k]) => !(DLQ_HEADERS as readonly string[]).includes(k)),
      );
      await producer.send({
        topic: e.originalTopic,
        acks: -1,
        messages: [{ key: e.key, value: e.value, headers: { ...headers, 'replayed-at': new Date().toISOString() } }],
      });
    }
  } finally {
    await producer.disconnect();
  }
  return events.filter((e) => e.originalTopic).length;
}
