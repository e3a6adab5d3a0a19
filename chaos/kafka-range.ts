/**
 * Reading exactly the records a run added to some topics: the partitions' end offsets are noted
 * before anything is written, and afterwards everything from there up to the then-current end is
 * read back. Only the headers and key are kept (what the checks need), so 100,000s of records fit.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { headersAsStrings } from '../lib/kafka/headers.js';

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

/**
 * Commits `offsets` for a new group, so a consumer of that group starts exactly there. kafkajs's
 * `admin.setOffsets` takes one topic per call and each call waits out a fetch of the default
 * `maxWaitTime` (5 s) with its consumer paused: 5 s per topic, over half a minute for the run's
 * groups. Here one short-lived member joins the group, commits every topic's offsets at once and
 * leaves; the commit is then read back, so a group never starts from anything else.
 */
export async function seedGroup(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  offsets: TopicOffsets,
  topics: readonly string[],
): Promise<void> {
  const wanted = topics.flatMap((topic) =>
    Object.entries(offsets[topic]!).map(([partition, offset]) => ({ topic, partition: Number(partition), offset })),
  );
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: false });
    // No auto-commit and nothing resolved: the explicit commit below is the only one.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    consumer.pause(topics.map((topic) => ({ topic })));
    await consumer.commitOffsets(wanted);
  } finally {
    await consumer.disconnect();
  }
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const wrong = wanted.filter(
    (w) =>
      committed.find((t) => t.topic === w.topic)?.partitions.find((p) => p.partition === w.partition)?.offset !==
      w.offset,
  );
  if (wrong.length > 0)
    throw new Error(
      `could not seed group ${groupId}: ${wrong.map((w) => `${w.topic}/${w.partition}`).join(', ')} not at the noted offsets`,
    );
}

/** Every record in [from, to) of each partition; `keepValue` says which records keep their value bytes. */
export async function readRange(
  kafka: Kafka,
  from: TopicOffsets,
  to: TopicOffsets,
  keepValue: (topic: string) => boolean = () => false,
): Promise<KafkaRecordInfo[]> {
  const topics = Object.keys(from);
  const remaining = new Map<string, bigint>();
  for (const t of topics)
    for (const [p, end] of Object.entries(to[t]!))
      if (BigInt(end) > BigInt(from[t]![Number(p)] ?? '0')) remaining.set(`${t}/${p}`, BigInt(end));
  const records: KafkaRecordInfo[] = [];
  if (remaining.size === 0) return records;
  const next = new Map<string, bigint>();
  for (const t of topics) for (const [p, offset] of Object.entries(from[t]!)) next.set(`${t}/${p}`, BigInt(offset));
  const groupId = `chaos-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  try {
    // The reader commits nothing and seeks every partition right after joining (kafkajs has no
    // manual assignment): to `from` where records are wanted, to the end elsewhere, so no history
    // is fetched. Records below `from` or already kept are skipped, should a fetch start before the seek.
    await consumer.subscribe({ topics, fromBeginning: true });
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
          // Below `from`, or fetched again after the seek: kept once.
          if (offset < (next.get(id) ?? 0n)) continue;
          if (offset >= end) break;
          next.set(id, offset + 1n);
          records.push({
            topic: batch.topic,
            partition: batch.partition,
            offset,
            key: m.key?.toString() ?? null,
            headers: headersAsStrings(m.headers),
            value: keepValue(batch.topic) ? m.value : null,
          });
        }
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          remaining.delete(id);
          if (remaining.size === 0) done();
        }
      },
    });
    for (const t of topics) {
      for (const [partition, end] of Object.entries(to[t]!)) {
        const offset = remaining.has(`${t}/${partition}`) ? (from[t]![Number(partition)] ?? '0') : end;
        consumer.seek({ topic: t, partition: Number(partition), offset });
      }
    }
    const timeout = setTimeout(() => done(), 300_000);
    await finished;
    clearTimeout(timeout);
    if (remaining.size > 0) throw new Error(`could not read back ${[...remaining.keys()].join(', ')} within 300 s`);
  } finally {
    await consumer.disconnect();
  }
  return records;
}
