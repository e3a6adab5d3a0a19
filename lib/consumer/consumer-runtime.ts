/**
 * The runtime every consumer group shares. Per record: decode through the registry, then in ONE
 * transaction record (group, event id) in processed_events and run the handler, so a redelivered
 * event is acknowledged and skipped; commit the Kafka offset only after that transaction
 * committed. Records of one partition are handled one at a time, so a key's next event waits
 * until its previous one succeeded or was dead-lettered.
 *
 * Failures: poison (the record itself is bad) goes to the DLQ at once; a handler error burns an
 * attempt, backs off with jitter, and after the last attempt dead-letters; an outage (database,
 * registry, broker) retries forever without burning attempts — good events never reach a DLQ
 * because something was down.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventCodec } from '../avro/event-codec.js';
import { isDatabaseUnavailable, type Db } from '../db/prisma.js';
import { isRetriable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ConsumerGroup } from '../topics.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { EventHandler, HandlerContext } from './consumed-event.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { publishDeadLetter } from './dead-letter.js';
import { decodeEvent, PoisonEventError } from './event-decoder.js';

export interface ConsumerRuntimeDeps {
  group: ConsumerGroup;
  kafka: Kafka;
  db: Db;
  registry: SchemaRegistry;
  codec: EventCodec;
  handler: EventHandler;
  logger: Logger;
  metrics: ConsumerMetrics;
  maxAttempts: number;
  retry: BackoffPolicy;
  /** Backoff while a dependency is down. */
  outageRetry: BackoffPolicy;
  partitionsConsumedConcurrently: number;
  clock?: () => Date;
  fromBeginning?: boolean;
  /** Kafka group id; defaults to the group name (tests use a unique one per run). */
  kafkaGroupId?: string;
  /** How long the broker waits for a silent member before rebalancing its partitions away. */
  sessionTimeoutMs?: number;
}

// SQLSTATE classes 08 (connection), 53 (resources), 57 (operator intervention: shutdown, restart),
// 58 (system); plus serialization failures, deadlocks, lock timeouts and a missing database.
const TRANSIENT_PG_CODES = new Set(['40001', '40P01', '55P03', '3D000']);
const TRANSIENT_PG_CLASSES = new Set(['08', '53', '57', '58']);
// Prisma: P1xxx are connection-level (unreachable, timed out, database missing); P2024 pool
// timeout, P2028 transaction API error, P2034 write conflict.
const TRANSIENT_PRISMA_CODES = new Set(['P2024', 'P2028', 'P2034']);

/** An error that says "try again later", not "this event is wrong". */
export function isTransient(err: unknown): boolean {
  if (isRetriable(err) || isDatabaseUnavailable(err)) return true;
  const code = (err as { code?: string }).code;
  if (code && (TRANSIENT_PG_CODES.has(code) || TRANSIENT_PG_CLASSES.has(code.slice(0, 2)) || TRANSIENT_PRISMA_CODES.has(code) || /^P1\d{3}$/.test(code))) {
    return true;
  }
  if ((err as Error)?.name === 'PrismaClientInitializationError') return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause ? isTransient(cause) : false;
}

type Outcome = 'processed' | 'duplicate';

export class ConsumerRuntime {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private stopping = false;
  private readonly ctx: HandlerContext;

  constructor(private readonly d: ConsumerRuntimeDeps) {
    this.ctx = { group: d.group, codec: d.codec, clock: d.clock ?? (() => new Date()) };
  }

  async start(): Promise<void> {
    const { kafka, group, handler } = this.d;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = kafka.consumer({ groupId: this.d.kafkaGroupId ?? group, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, sessionTimeout: this.d.sessionTimeoutMs ?? 10_000, heartbeatInterval: 1_000, retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 } });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...handler.topics], fromBeginning: this.d.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.d.partitionsConsumedConcurrently,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        const done = await this.handleRecord(topic, partition, message, heartbeat);
        if (done) await this.consumer!.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
  }

  /** Finishes the record in flight (and commits it), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  /** True when the record is finished (processed, duplicate or dead-lettered) and may be committed. */
  private async handleRecord(topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<boolean> {
    const { group, logger, metrics } = this.d;
    let outageAttempt = 0;
    let attempt = 0;
    for (;;) {
      if (this.stopping) return false;
      try {
        const event = await decodeEvent(this.d.registry, topic, partition, message);
        const started = process.hrtime.bigint();
        const outcome = await this.processOnce(event);
        metrics.processing.observe({ group }, Number(process.hrtime.bigint() - started) / 1e9);
        if (outcome === 'duplicate') metrics.duplicates.inc({ group });
        else {
          metrics.processed.inc({ group, event_type: event.eventType });
          metrics.endToEnd.observe({ group }, Math.max(0, Date.now() - event.occurredAt.getTime()) / 1000);
        }
        return true;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (error instanceof PoisonEventError) {
          await this.deadLetter(topic, partition, message, 0, error);
          return true;
        }
        if (isTransient(error)) {
          outageAttempt++;
          metrics.retried.inc({ group, cause: 'transient' });
          const wait = backoffDelay(outageAttempt, this.d.outageRetry);
          logger.warn({ topic, partition, offset: message.offset, err: error.message, retryInMs: wait }, 'dependency unavailable; retrying without burning attempts');
          await sleep(wait);
          await heartbeat().catch(() => undefined);
          continue;
        }
        attempt++;
        if (attempt >= this.d.maxAttempts) {
          await this.deadLetter(topic, partition, message, attempt, error);
          return true;
        }
        metrics.retried.inc({ group, cause: 'handler' });
        const wait = backoffDelay(attempt, this.d.retry);
        logger.warn({ topic, partition, offset: message.offset, attempt, err: error.message, retryInMs: wait }, 'handler failed; retrying');
        await sleep(wait);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private async processOnce(event: Awaited<ReturnType<typeof decodeEvent>>): Promise<Outcome> {
    const { db, group, handler } = this.d;
    return db.$transaction(
      async (tx) => {
        const inserted = await tx.$executeRaw`
          insert into processed_events (consumer_group, event_id) values (${group}, ${event.eventId}::uuid)
          on conflict do nothing`;
        if (inserted === 0) return 'duplicate' as const;
        await handler.handle(tx, event, this.ctx);
        return 'processed' as const;
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
  }

  /** Publishes to the group's DLQ; a DLQ that cannot be reached is an outage, retried until it works. */
  private async deadLetter(topic: string, partition: number, message: KafkaMessage, attempts: number, error: Error): Promise<void> {
    const { group, logger, metrics } = this.d;
    for (let i = 1; ; i++) {
      try {
        await publishDeadLetter(this.producer!, { group, topic, partition, message, attempts, error });
        break;
      } catch (err) {
        if (this.stopping) throw err;
        metrics.retried.inc({ group, cause: 'dlq_unavailable' });
        await sleep(backoffDelay(i, this.d.outageRetry));
      }
    }
    metrics.deadLettered.inc({ group, reason: error instanceof PoisonEventError ? 'poison' : 'attempts_exhausted' });
    logger.error({ topic, partition, offset: message.offset, attempts, errorClass: error.name, err: error.message }, 'event dead-lettered');
  }
}
