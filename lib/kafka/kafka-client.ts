/**
 * One way to build kafkajs clients, with logging routed to our logger's level. The kafkajs patches
 * are not installed here: each `main` installs them (lib/patches.ts).
 */
import { Kafka, logLevel } from 'kafkajs';
import { KAFKAJS_LOG_LEVEL, read } from '../config/settings.js';
import { kafkaSasl, type KafkaPrincipal } from './kafka-credentials.js';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** Whom the client authenticates as (kafka-credentials.ts). */
  principal: KafkaPrincipal;
  /** kafkajs's own retry for a request; the services add their own backoff around it. */
  retries?: number;
  /** Overrides KAFKAJS_LOG_LEVEL for this client. */
  quiet?: boolean;
}

const LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** KAFKAJS_LOG_LEVEL: nothing, error (default), warn, info or debug; anything else is error. */
function kafkaLogLevel(name: string): logLevel {
  return LEVELS[name.toLowerCase()] ?? logLevel.ERROR;
}

export function createKafka(opts: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: opts.quiet ? logLevel.NOTHING : kafkaLogLevel(read(KAFKAJS_LOG_LEVEL)),
    retry: { retries: opts.retries ?? 5, initialRetryTime: 100, maxRetryTime: 5_000 },
    connectionTimeout: 3_000,
    sasl: kafkaSasl(opts.principal),
  });
}
