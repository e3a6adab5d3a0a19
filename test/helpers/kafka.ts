/** Kafka helpers for tests: a client on the stack's broker and a collector of a topic's records. */
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { connectionConfig } from '../../lib/env.js';
import { headersAsStrings } from '../../lib/kafka/headers.js';
import { createKafka } from '../../lib/kafka/kafka-client.js';

export function testKafka(clientId = 'test'): Kafka {
  return createKafka({ brokers: connectionConfig().kafkaBrokers, clientId, principal: 'admin' });
}

export interface CollectedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Reads topics from the beginning (or from the latest offset) into memory until stopped. Tests
 * filter the records by the ids they wrote, so tests sharing a topic do not interfere.
 */
export class TopicCollector {
  readonly records: CollectedRecord[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: string[],
  ) {}

  async start(fromBeginning = true): Promise<this> {
    this.consumer = this.kafka.consumer({ groupId: `test-collector-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning });
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (joined = true));
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value,
          headers: headersAsStrings(message.headers),
        });
      },
    });
    const deadline = Date.now() + 30_000;
    while (!joined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
