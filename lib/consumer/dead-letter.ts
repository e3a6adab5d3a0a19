/** Publishing an event a group gave up on to `todo.<group>.dlq`, with why and where it came from. */
import type { KafkaMessage, Producer } from 'kafkajs';
import { consumerDlqTopic, type ConsumerGroup } from '../topics.js';

export interface DeadLetterInfo {
  group: ConsumerGroup;
  topic: string;
  partition: number;
  message: KafkaMessage;
  attempts: number;
  error: Error;
}

export const DLQ_HEADERS = [
  'original-topic',
  'original-partition',
  'original-offset',
  'consumer-group',
  'attempts',
  'error-class',
  'error-message',
  'failed-at',
] as const;

export async function publishDeadLetter(producer: Producer, d: DeadLetterInfo): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.message.headers ?? {}))
    if (v !== undefined && !Array.isArray(v)) headers[k] = v.toString();
  Object.assign(headers, {
    'original-topic': d.topic,
    'original-partition': String(d.partition),
    'original-offset': d.message.offset,
    'consumer-group': d.group,
    attempts: String(d.attempts),
    'error-class': d.error.name || d.error.constructor.name,
    'error-message': d.error.message.slice(0, 2000),
    'failed-at': new Date().toISOString(),
  });
  await producer.send({
    topic: consumerDlqTopic(d.group),
    acks: -1,
    messages: [{ key: d.message.key, value: d.message.value, headers }],
  });
}
