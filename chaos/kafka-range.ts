/**
 * Reading exactly the records a run added to some topics: the partitions' end offsets are noted
 * before anything is written, and afterwards everything from there up to the then-current end is
 * read back. Only the headers and key are kept (what the checks need), so 100,000s of records fit.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { headersAsStrings } from '../test/helpers/kafka.js';

/** topic → partition → offset. */
export type TopicOffsets = Record<string, Record<number, string>>;

export interface KafkaRecordInfo {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
}

export async function endOffsets(admin: Admin, topics: readonly string[]): Promise<TopicOffsets> {
  const out: TopicOffsets = {};
  for (const topic of topics) {
    out[topic] = {};
    for (const p of await admin.fetchTopicOffsets(topic)) out[topic]![p.partition] = p.high;
  }
  return out;
}

/** Commits `offsets` for a new group, so a consumer of that group starts exactly there. */
export async function seedGroup(admin: Admin, groupId: string, offsets: TopicOffsets, topics: readonly string[]): Promise<void> {
  for (const topic of topics) {
    const parts = offsets[topic]!;
    await admin.setOffsets({ groupId, topic, partitions: Object.entries(parts).map(([partition, offset]) => ({ partition: Number(partition), offset })) });
  }
}

/** Every record in [from, to) of each partition; `keepValue` says which records keep their value bytes. */
export async function readRange(kafka: Kafka, from: TopicOffsets, to: TopicOffsets, keepValue: (topic: string) => boolean = () => false): Promise<KafkaRecordInfo[]> {
  const topics = Object.keys(from);
  const remaining = new Map<string, bigint>();
  for (const t of topics) for (const [p, end] of Object.entries(to[t]!)) if (BigInt(end) > BigInt(from[t]![Number(p)] ?? '0')) remaining.set(`${t}/${p}`, BigInt(end));
  const records: KafkaRecordInfo[] = [];
  if (remaining.size === 0) return records;
  const groupId = `chaos-reader-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await seedGroup(admin, groupId, from, topics);
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: false });
    let done: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const id = `${batch.topic}/${batch.partition}`;
        const end = remaining.get(id);
        if (end === undefined) return;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset >= end) break;
          records.push({ topic: batch.topic, partition: batch.partition, offset, key: m.key?.toString() ?? null, headers: headersAsStrings(m.headers), value: keepValue(batch.topic) ? m.value : null });
        }
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          remaining.delete(id);
          if (remaining.size === 0) done();
        }
      },
    });
    const timeout = setTimeout(() => done(), 300_000);
    await finished;
    clearTimeout(timeout);
    if (remaining.size > 0) throw new Error(`could not read back ${[...remaining.keys()].join(', ')} within 300 s`);
  } finally {
    await consumer.disconnect();
  }
  return records;
}
