/** Publishing an event a group gave up on to `todo.<group>.dlq`, with why and where it came from. */
import type { KafkaMessage, Producer } from 'kafkajs';
import { deadLetterHeaders } from '../kafka/dead-letter-headers.js';
import { consumerDlqTopic, type ConsumerGroup } from '../topics.js';

export interface DeadLetterInfo {
  group: ConsumerGroup;
  topic: string;
  partition: number;
  message: KafkaMessage;
  attempts: number;
  error: Error;
}

export async function publishDeadLetter(producer: Producer, d: DeadLetterInfo): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.message.headers ?? {}))
    if (v !== undefined && !Array.isArray(v)) headers[k] = v.toString();
  Object.assign(
    headers,
    deadLetterHeaders({
      topic: d.topic,
      partition: d.partition,
      offset: d.message.offset,
      gaveUp: d.group,
      attempts: d.attempts,
      error: d.error,
    }),
  );
  await producer.send({
    topic: consumerDlqTopic(d.group),
    acks: -1,
    messages: [{ key: d.message.key, value: d.message.value, headers }],
  });
}
