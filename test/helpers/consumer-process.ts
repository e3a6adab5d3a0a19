/** A consumer service as a real child process (`consumers/main.ts`), so tests can SIGKILL it. */
import type { Kafka } from 'kafkajs';
import { spawnService, type ServiceProcess } from './service-process.js';

export type ConsumerProcess = ServiceProcess;

/** Commits a new Kafka group at the topics' current ends, so its first run sees only new records. */
export async function groupAtLatest(kafka: Kafka, groupId: string, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

export function spawnConsumer(group: string, databaseUrl: string, env: Record<string, string> = {}): ConsumerProcess {
  return spawnService('consumers/main.ts', [group], group, {
    DATABASE_URL: databaseUrl,
    CONSUMER_METRICS_PORT: '0',
    ...env,
  });
}
