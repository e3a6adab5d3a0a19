/**
 * Publishing outbox rows to Kafka with the idempotent producer: acks from all in-sync replicas,
 * one request in flight (kafkajs's limit for idempotence), so a retried request can neither
 * duplicate nor reorder records within a partition. Errors are sorted into: poison (the broker
 * refuses the record itself: retrying cannot help), a broken producer session (recreate the
 * producer), and transient (everything else, retried forever by the caller).
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { keyPartitioner } from './key-partitioner.js';
import type { OutboxRow } from './outbox-store.js';

const POISON_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);
const SESSION_TYPES = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'DUPLICATE_SEQUENCE_NUMBER']);

export type PublishErrorKind = 'poison' | 'session' | 'transient';

/** The kafkajs error type (e.g. MESSAGE_TOO_LARGE) anywhere in an error's cause chain. */
export function kafkaErrorType(err: unknown): string | undefined {
  let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e.type && (POISON_TYPES.has(e.type) || SESSION_TYPES.has(e.type))) return e.type;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return (err as { type?: string })?.type;
}

export function classifyPublishError(err: unknown): PublishErrorKind {
  const t = kafkaErrorType(err);
  if (t && POISON_TYPES.has(t)) return 'poison';
  if (t && SESSION_TYPES.has(t)) return 'session';
  return 'transient';
}

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

export class KafkaPublisher {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;

  constructor(brokers: string[], clientId: string) {
    this.kafka = createKafka({ brokers, clientId, retries: 3 });
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioning: the same key lands on the same partition as with Debezium.
      createPartitioner: keyPartitioner,
    });
    await p.connect();
    this.producer = p;
    return p;
  }

  /** Publishes rows in order; resolves once every record is acknowledged by all in-sync replicas. */
  async publish(rows: OutboxRow[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push(recordOf(r));
      byTopic.set(r.topic, list);
    }
    const producer = await this.connected();
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  /** Sends a refused row to its topic's DLQ, with the reason in headers. */
  async sendToDlq(row: OutboxRow, reason: string, errorType: string): Promise<void> {
    const producer = await this.connected();
    const base = recordOf(row);
    await producer.send({
      topic: `${row.topic}.dlq`,
      acks: -1,
      messages: [
        {
          ...base,
          headers: {
            ...base.headers,
            'dlq-reason': reason,
            'dlq-error-type': errorType,
            'dlq-original-topic': row.topic,
            'dlq-failed-at': new Date().toISOString(),
            'dlq-source': 'outbox-relay',
          },
        },
      ],
    });
  }

  /** Drops the producer so the next publish starts a fresh idempotent session. */
  async reset(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }
}
