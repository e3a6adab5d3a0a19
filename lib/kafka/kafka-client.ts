/** One way to build kafkajs clients, with logging routed to our logger's level. */
import { Kafka, logLevel } from 'kafkajs';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs's own retry for a request; the services add their own backoff around it. */
  retries?: number;
}

export function createKafka(opts: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: process.env.KAFKAJS_LOG_LEVEL === 'debug' ? logLevel.DEBUG : logLevel.ERROR,
    retry: { retries: opts.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5_000 },
    connectionTimeout: 3_000,
  });
}
