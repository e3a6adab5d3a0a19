/**
 * The relay bench's own topic, and what landed on it: how both relays are measured the same way,
 * from the Kafka side, whatever they report themselves (Debezium reports nothing to us).
 *
 * The topic is created with `message.timestamp.type=LogAppendTime`, so every record carries the
 * broker's append time: the moment the record became durable in the log, the same moment a producer
 * is acknowledged (within the broker's response path). Drain ends and latencies are taken from
 * those timestamps, after the scenario, by reading the offset range the scenario produced. So the
 * reader never competes for CPU with the relay while it is measured, and a slow reader cannot
 * lengthen a figure. While a scenario runs, only the partitions' end offsets are polled to know
 * when everything has arrived.
 *
 * It is a bench-only topic (not todo.tasks.events): real consumers must never read bench events.
 */
import { randomUUID } from 'node:crypto';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { TOPICS, topicSpecs } from '../lib/topics.js';
import { sleep } from './bench-kit.js';

// kafkajs is CommonJS, and Node's ESM loader does not see this export by name.
const { ConfigResourceTypes } = kafkajs;

export const BENCH_TOPIC = 'bench.relay.events';

/** End offset (next offset to be written) per partition. */
export type Offsets = Map<number, number>;

export interface TopicRecord {
  partition: number;
  offset: number;
  key: string;
  eventId: string;
  aggregateVersion: number;
  /** Broker append time, epoch ms. */
  appendedAt: number;
}

const header = (h: Record<string, unknown> | undefined, name: string): string => {
  const v = h?.[name];
  return v === undefined ? '' : String(Array.isArray(v) ? v[0] : v);
};

export class TopicLog {
  private readonly admin: Admin;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
  ) {
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  /**
   * Creates the topic like todo.tasks.events (same partition count, so keys spread the same way)
   * but with broker append timestamps and a short retention; an existing one is made to use append
   * timestamps, since every figure depends on them.
   */
  async ensure(): Promise<void> {
    if (this.topic === TOPICS.tasks)
      throw new Error(`the relay bench must not write to ${TOPICS.tasks}: real consumers read it`);
    const spec = topicSpecs().find((t) => t.name === TOPICS.tasks)!;
    const configs = { 'message.timestamp.type': 'LogAppendTime', 'retention.ms': String(60 * 60 * 1000) };
    if (!(await this.admin.listTopics()).includes(this.topic)) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.topic,
            numPartitions: spec.partitions,
            configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      return;
    }
    const described = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: this.topic, configNames: ['message.timestamp.type'] }],
    });
    const type = described.resources[0]?.configEntries.find(
      (e) => e.configName === 'message.timestamp.type',
    )?.configValue;
    if (type !== 'LogAppendTime') {
      await this.admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: this.topic,
            configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
          },
        ],
      });
    }
  }

  async endOffsets(): Promise<Offsets> {
    const parts = await this.admin.fetchTopicOffsets(this.topic);
    return new Map(parts.map((p) => [p.partition, Number(p.high)]));
  }

  /** Records appended since `from` (the topic is not transactional: one offset per record). */
  async appendedSince(from: Offsets): Promise<number> {
    let n = 0;
    for (const [p, high] of await this.endOffsets()) n += high - (from.get(p) ?? 0);
    return n;
  }

  /** Polls end offsets until `count` records were appended since `from`; false on timeout. */
  async waitForAppended(from: Offsets, count: number, timeoutMs: number, pollMs = 100): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.appendedSince(from)) < count) {
      if (Date.now() > deadline) return false;
      await sleep(pollMs);
    }
    return true;
  }

  /**
   * Every record in [from, to) of each partition, read by a throw-away consumer group seeking to
   * `from` (kafkajs has no manual assignment); it commits nothing and is deleted afterwards.
   */
  async read(from: Offsets, to: Offsets, timeoutMs = 120_000): Promise<TopicRecord[]> {
    const out: TopicRecord[] = [];
    const pending = new Map([...to].filter(([p, end]) => end > (from.get(p) ?? 0)));
    if (pending.size === 0) return out;
    const groupId = `relay-bench-reader-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = to.get(batch.partition) ?? 0;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset >= end) break;
            out.push({
              partition: batch.partition,
              offset,
              key: m.key?.toString() ?? '',
              eventId: header(m.headers, 'event-id'),
              aggregateVersion: Number(header(m.headers, 'aggregate-version')),
              appendedAt: Number(m.timestamp),
            });
            if (offset === end - 1) pending.delete(batch.partition);
          }
        },
      });
      // Partitions with nothing to read start at their end, so the reader does not fetch their history.
      for (const [partition, end] of to)
        consumer.seek({
          topic: this.topic,
          partition,
          offset: String(pending.has(partition) ? (from.get(partition) ?? 0) : end),
        });
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0) {
        if (Date.now() > deadline)
          throw new Error(
            `reading ${this.topic}: partitions ${[...pending.keys()].join(', ')} not read to their end offsets within ${timeoutMs / 1000} s`,
          );
        await sleep(50);
      }
    } finally {
      await consumer.disconnect();
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return out;
  }
}
