/**
 * Publishing outbox rows to Kafka with idempotent producers: acks from all in-sync replicas, one
 * request in flight per producer (kafkajs's limit for idempotence), so a retried request can
 * neither duplicate nor reorder records within a partition. Records are encoded by
 * lib/kafka/record-encoder.ts (kafkajs's bytes, a fraction of its CPU). Errors are sorted into:
 * poison (the broker refuses the record itself: retrying cannot help), a broken producer session
 * (recreate the producers), and transient (everything else, retried forever by the caller).
 *
 * Every partition a send was asked to write must be in its acknowledgement. kafkajs 2.2 retries a
 * multi-broker send only towards brokers that have not answered yet: a partition whose leader
 * died mid-send and moved to a broker that had already answered for other partitions is never
 * sent, and the send still resolves (sendMessages.js keys its responses by broker; kafkajs issue
 * #1303, unfixed upstream; PR #1798 proposes retrying every broker). Found by
 * test/relay/relay-leader-loss: 11 acknowledged-looking records missing after a leader SIGKILL.
 * Such a send counts as failed, so the relay publishes the rows again (a duplicate, never a gap).
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

/** A send resolved without an acknowledgement for some partition it was asked to write. */
export class PartitionsNotAcknowledgedError extends Error {
  readonly type = 'PARTITIONS_NOT_ACKNOWLEDGED';
  constructor(readonly missing: string[]) {
    super(`Kafka acknowledged the send without partition(s) ${missing.join(', ')}: publishing again`);
    this.name = 'PartitionsNotAcknowledgedError';
  }
}

/** `topic:partition` of each partition the send asked for and no acknowledgement names (error-free). */
export function unacknowledged(
  asked: ReadonlySet<string>,
  acks: readonly { topicName: string; partition: number; errorCode: number }[],
): string[] {
  const acked = new Set(acks.filter((a) => a.errorCode === 0).map((a) => `${a.topicName}:${a.partition}`));
  return [...asked].filter((tp) => !acked.has(tp)).sort();
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
  /** Per lane, the `topic:partition`s its partitioner chose for the send in flight (one at a time per lane). */
  private readonly asked: Set<string>[];

  constructor(
    brokers: string[],
    clientId: string,
    private readonly lanes = 1,
  ) {
    this.kafka = createKafka({ brokers, clientId, principal: 'relay', retries: 3 });
    this.producers = new Array(lanes).fill(undefined);
    this.asked = Array.from({ length: lanes }, () => new Set());
  }

  private connected(lane: number): Promise<Producer> {
    const existing = this.producers[lane];
    if (existing) return existing;
    const p = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioning: the same key lands on the same partition as with Debezium.
      // Each choice is noted, so the acknowledgement can be checked against it.
      createPartitioner: () => {
        const partition = keyPartitioner();
        return (args) => {
          const p = partition(args);
          this.asked[lane]!.add(`${args.topic}:${p}`);
          return p;
        };
      },
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
      const asked = this.asked[lane]!;
      asked.clear();
      const acks = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      const missing = unacknowledged(asked, acks);
      if (missing.length > 0) throw new PartitionsNotAcknowledgedError(missing);
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
