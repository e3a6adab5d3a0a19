/**
 * Publishing outbox rows to Kafka with idempotent producers: acks from all in-sync replicas, one
 * request in flight per producer (kafkajs's limit for idempotence), so a retried request can
 * neither duplicate nor reorder records within a partition. Records are encoded by
 * lib/kafka/record-encoder.ts (kafkajs's bytes, a fraction of its CPU). Errors are sorted into:
 * poison (the broker refuses the record itself: retrying cannot help), a broken producer session
 * (recreate the producers), and transient (everything else, retried forever by the caller).
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { kafkaRefusal } from '../lib/errors.js';
import { deadLetterHeaders } from '../lib/kafka/dead-letter-headers.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { keyPartitioner, murmur2 } from './key-partitioner.js';
import { recordOf, type OutboxRow } from '../lib/outbox/outbox-row.js';

export type PublishErrorKind = 'poison' | 'session' | 'transient';

/**
 * What the relay does with a failed publish (lib/errors.ts reads the error): a record the broker
 * refuses is poison, a broken producer session is recreated, and anything else is transient:
 * the relay never drops an event, so an error it does not know is retried like an outage.
 */
export function classifyPublishError(err: unknown): PublishErrorKind {
  const refusal = kafkaRefusal(err);
  return refusal === 'record' ? 'poison' : refusal === 'session' ? 'session' : 'transient';
}

/**
 * Publishes with `lanes` idempotent producers, each with its own connection and one request in
 * flight, so one lane's request is encoded while another's is at the broker. A key always takes
 * the same lane (a hash of the key), so its records still leave one at a time, in order; two lanes
 * may share a partition, which the broker keeps apart by producer id.
 */
export class KafkaPublisher {
  private readonly kafka: Kafka;
  private producers: (Promise<Producer> | undefined)[];

  constructor(
    brokers: string[],
    clientId: string,
    private readonly lanes = 1,
  ) {
    this.kafka = createKafka({ brokers, clientId, principal: 'relay', retries: 3 });
    this.producers = new Array(lanes).fill(undefined);
  }

  private connected(lane: number): Promise<Producer> {
    const existing = this.producers[lane];
    if (existing) return existing;
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioning: the same key lands on the same partition as with Debezium.
      createPartitioner: keyPartitioner,
    });
    const connecting = p.connect().then(() => p);
    // A failed connect is forgotten, so the next publish tries again.
    connecting.catch(() => {
      if (this.producers[lane] === connecting) this.producers[lane] = undefined;
    });
    this.producers[lane] = connecting;
    return connecting;
  }

  /** Publishes rows in order per key; resolves once every record is acknowledged by all in-sync replicas. */
  async publish(rows: OutboxRow[]): Promise<void> {
    const byLane: Map<string, Message[]>[] = Array.from({ length: this.lanes }, () => new Map());
    for (const r of rows) {
      const byTopic = byLane[this.lanes === 1 ? 0 : (murmur2(r.messageKey) >>> 0) % this.lanes]!;
      const list = byTopic.get(r.topic);
      if (list) list.push(recordOf(r));
      else byTopic.set(r.topic, [recordOf(r)]);
    }
    const sends = byLane.map(async (byTopic, lane) => {
      if (byTopic.size === 0) return;
      const producer = await this.connected(lane);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    });
    // Every lane settles before the batch counts as failed: no send is left running into the retry.
    const results = await Promise.allSettled(sends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Sends a refused row to its topic's DLQ with the dead-letter headers every DLQ carries
   * (lib/kafka/dead-letter-headers.ts; no partition or offset: it never reached Kafka), plus the
   * relay's own `dlq-*` headers, which existing readers know.
   */
  async sendToDlq(row: OutboxRow, error: Error, reason: string, errorType: string): Promise<void> {
    const producer = await this.connected(0);
    const base = recordOf(row);
    const common = deadLetterHeaders({ topic: row.topic, gaveUp: 'outbox-relay', attempts: 1, error });
    await producer.send({
      topic: `${row.topic}.dlq`,
      acks: -1,
      messages: [
        {
          ...base,
          headers: {
            ...base.headers,
            ...common,
            'dlq-reason': reason,
            'dlq-error-type': errorType,
            'dlq-original-topic': row.topic,
            'dlq-failed-at': common['failed-at'],
            'dlq-source': 'outbox-relay',
          },
        },
      ],
    });
  }

  /** Drops the producers so the next publish starts fresh idempotent sessions. */
  async reset(): Promise<void> {
    const producers = this.producers;
    this.producers = new Array(this.lanes).fill(undefined);
    await Promise.all(producers.map((p) => p?.then((x) => x.disconnect()).catch(() => undefined)));
  }
}
