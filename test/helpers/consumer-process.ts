/** A consumer service as a real child process (`consumers/main.ts`), so tests can SIGKILL it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';

export interface ConsumerProcess {
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Commits a new Kafka group at the topics' current ends, so its first run sees only new records. */
export async function groupAtLatest(kafka: Kafka, groupId: string, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}

export function spawnConsumer(group: string, databaseUrl: string, env: Record<string, string> = {}): ConsumerProcess {
  const logDir = path.resolve('.stack/logs/test');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${group}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'consumers/main.ts', group], {
    env: { ...process.env, DATABASE_URL: databaseUrl, CONSUMER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return {
    child,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
