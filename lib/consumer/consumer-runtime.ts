/**
 * The runtime every consumer group shares. Records of one partition are taken in offset order, in
 * runs of at most `batchMax` (a "chunk" of a kafkajs batch). Per chunk: decode every record
 * through the registry, then in ONE transaction record every event id in processed_events (one
 * `insert … select unnest(ids) on conflict do nothing returning event_id`, which says which ids are
 * new) and run the handler for each new event in offset order; after that transaction committed,
 * mark the chunk's last offset finished. Finished offsets are committed on a clock
 * (`commitIntervalMs`, offset-committer.ts), at once after a dead-letter, and on stop: not a Kafka
 * round trip per fetched batch.
 *
 * Why a chunk is safe: its side effects and inbox rows commit together or not at all, and the
 * offset is committed only after they did, so a committed offset never passes an unfinished
 * record. A crash (or rebalance) anywhere in a chunk — before its transaction commits, or between
 * that commit and the offset commit — redelivers the whole chunk from the last committed offset:
 * the events whose transaction committed find their inbox rows and are skipped (duplicates), the
 * rest run for the first time. Redelivery is the normal case the inbox exists for; a chunk only
 * makes the redelivered run longer. Per-key order holds because a partition is processed in offset
 * order, and the next chunk of a partition starts only after the previous one finished.
 *
 * Failures: if anything in a chunk fails (a record that does not decode, a handler error, an
 * outage), its transaction rolls back and the chunk is processed again one record at a time, each
 * in its own transaction and resolved on its own, exactly as if batching did not exist: so a
 * poison record is isolated and dead-lettered, and the records around it are processed once.
 * Record at a time: poison (the record itself is bad) goes to the DLQ at once; a handler error
 * burns an attempt, backs off with jitter, and after the last attempt dead-letters; an outage
 * (database, registry, broker) retries forever without burning attempts — good events never reach
 * a DLQ because something was down.
 *
 * A handler may take a chunk whole (`handleChunk`, consumed-event.ts): for set-based statements,
 * and for row locks shared across keys (task-broadcaster-cg's per-user sequence), which it takes in
 * a fixed order, so two partitions' chunks in flight at once wait for each other instead of
 * deadlocking. Without it, the runtime calls `handle` for each event of the chunk.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Prisma } from '@prisma/client';
import type { Batch, Consumer, Kafka, KafkaMessage, OffsetsByTopicPartition, Producer } from 'kafkajs';
import type pg from 'pg';
import type { EventCodec } from '../avro/event-codec.js';
import { inSqlTransaction } from '../db/sql-tx.js';
import { isRetriable, PoisonEventError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ConsumerGroup } from '../topics.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { ConsumedEvent, EventHandler, HandlerContext } from './consumed-event.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import { publishDeadLetter } from './dead-letter.js';
import { decodeEvent } from './event-decoder.js';
import { OffsetCommitter } from './offset-committer.js';

/** A stop commits what is finished within this long, or leaves it to be redelivered. */
const STOP_COMMIT_WITHIN_MS = 5_000;
/** kafkajs's heartbeat errors that mean the group is rebalancing (its own `isRebalancing`). */
const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION']);

export interface ConsumerRuntimeDeps {
  group: ConsumerGroup;
  kafka: Kafka;
  /** The pool the inbox transactions run on. */
  pool: pg.Pool;
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
  /** At most this many records of a partition share one transaction (1: record at a time). */
  batchMax: number;
  /** A fetch is answered once this many bytes are ready or `fetchMaxWaitMs` passed (defaults 1 and 500). */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  clock?: () => Date;
  fromBeginning?: boolean;
  /** Kafka group id; defaults to the group name (tests use a unique one per run). */
  kafkaGroupId?: string;
  /** How long the broker waits for a silent member before rebalancing its partitions away. */
  sessionTimeoutMs?: number;
  /** Finished offsets are committed this often (offset-committer.ts). */
  commitIntervalMs: number;
}

type Outcome = 'processed' | 'duplicate';

/** What kafkajs hands eachBatch, as far as the runtime uses it. */
interface BatchControls {
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** One commit attempt under the batch's generation (no retry loop). */
  commit(offsets: OffsetsByTopicPartition): Promise<void>;
  /** The committer's generation when the batch started. */
  generation: number;
  isRunning(): boolean;
  isStale(): boolean;
}

export class ConsumerRuntime {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private committer: OffsetCommitter | undefined;
  /** Batches being handled (one per partition in flight), awaited on stop so their finished offsets are committed. */
  private readonly batchesInFlight = new Set<Promise<void>>();
  private stopping = false;
  private readonly ctx: HandlerContext;

  constructor(private readonly d: ConsumerRuntimeDeps) {
    this.ctx = { group: d.group, codec: d.codec, clock: d.clock ?? (() => new Date()) };
  }

  async start(): Promise<void> {
    const { kafka, group, handler } = this.d;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.consumer = kafka.consumer({
      groupId: this.d.kafkaGroupId ?? group,
      allowAutoTopicCreation: false,
      minBytes: this.d.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.d.fetchMaxWaitMs ?? 500,
      sessionTimeout: this.d.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
    });
    try {
      await this.producer.connect();
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...handler.topics], fromBeginning: this.d.fromBeginning ?? true });
    } catch (err) {
      // Leave nothing half-connected, so the caller can simply start again once Kafka is back.
      await this.consumer.disconnect().catch(() => undefined);
      await this.producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.committer = new OffsetCommitter(this.consumer, this.d.commitIntervalMs, this.d.logger);
    this.committer.start();
    await this.consumer.run({
      // Our committer commits finished offsets (offset-committer.ts), not kafkajs after each batch.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.d.partitionsConsumedConcurrently,
      eachBatch: ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        const handled = this.handleBatch(batch, {
          resolveOffset,
          heartbeat,
          commit: (offsets) => commitOffsetsIfNecessary(offsets),
          generation: this.committer!.generation,
          isRunning,
          isStale,
        });
        const settled = handled.catch(() => undefined).finally(() => this.batchesInFlight.delete(settled));
        this.batchesInFlight.add(settled);
        return handled;
      },
    });
  }

  /** Finishes the chunk or record in flight, commits what is finished, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    // Bounded: a batch stuck on an outage must not hold the stop forever (its records are redelivered).
    const deadline = Date.now() + STOP_COMMIT_WITHIN_MS;
    await Promise.race([Promise.all(this.batchesInFlight), sleep(STOP_COMMIT_WITHIN_MS)]);
    await this.committer?.stop(Math.max(0, deadline - Date.now()));
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  /** A fetched batch of one partition, chunk by chunk; stops early (leaving the rest unresolved) when stopping or rebalanced. */
  private async handleBatch(batch: Batch, c: BatchControls): Promise<void> {
    const { topic, partition } = batch;
    const halted = () => this.stopping || !c.isRunning() || c.isStale();
    for (let from = 0; from < batch.messages.length; from += this.d.batchMax) {
      if (halted()) return;
      const chunk = batch.messages.slice(from, from + this.d.batchMax);
      if (chunk.length > 1 && (await this.processChunk(topic, partition, chunk, c.heartbeat))) {
        await this.finished(topic, partition, chunk.at(-1)!, c);
        continue;
      }
      for (const message of chunk) {
        const outcome = halted() ? 'unfinished' : await this.handleRecord(topic, partition, message, c.heartbeat);
        if (outcome === 'unfinished') return;
        await this.finished(topic, partition, message, c, outcome === 'dead-lettered');
      }
    }
  }

  /**
   * Everything up to `message` is finished: its offset may be committed. Committed now when it was
   * dead-lettered (the inbox would not skip it) or when the group is rebalancing (what kafkajs's
   * auto-commit did), else on the committer's clock.
   */
  private async finished(
    topic: string,
    partition: number,
    message: KafkaMessage,
    c: BatchControls,
    deadLettered = false,
  ): Promise<void> {
    c.resolveOffset(message.offset);
    this.committer!.finished(topic, partition, message.offset, c.generation);
    if (deadLettered) await this.committer!.commitFromBatch(c.commit);
    try {
      await c.heartbeat();
    } catch (err) {
      if (REBALANCING.has((err as { type?: string }).type ?? '')) await this.committer!.commitFromBatch(c.commit);
      throw err;
    }
  }

  /**
   * The fast path: the whole chunk in one transaction. False when anything failed (nothing of the
   * chunk committed then): the caller processes the chunk record by record.
   */
  private async processChunk(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const { pool, group, handler, logger, metrics } = this.d;
    try {
      const events: ConsumedEvent[] = [];
      for (const message of chunk) events.push(await decodeEvent(this.d.registry, topic, partition, message));
      const started = process.hrtime.bigint();
      const outcomes = await inSqlTransaction(pool, async (tx) => {
        const ids = events.map((e) => e.eventId);
        const inserted = await tx.query<{ event_id: string }>(Prisma.sql`
          insert into processed_events (consumer_group, event_id)
          select ${group}, id from unnest(${ids}::uuid[]) as id
          on conflict do nothing
          returning event_id::text`);
        const fresh = new Set(inserted.map((r) => r.event_id));
        // An id twice in the chunk (the same event published twice) is new only the first time.
        const outcomes = events.map((e): Outcome =>
          fresh.delete(e.eventId.toLowerCase()) ? 'processed' : 'duplicate',
        );
        const toHandle = events.filter((_, i) => outcomes[i] === 'processed');
        // kafkajs heartbeats only when asked (at most once per heartbeatInterval): a long chunk
        // must not look like a dead member. A rebalance it reports is acted on after the chunk.
        const beat = () => heartbeat().catch(() => undefined);
        if (toHandle.length === 0) return outcomes;
        if (handler.handleChunk) await handler.handleChunk(tx, toHandle, { ...this.ctx, heartbeat: beat });
        else
          for (const e of toHandle) {
            await handler.handle(tx, e, this.ctx);
            await beat();
          }
        return outcomes;
      });
      const perEventSeconds = Number(process.hrtime.bigint() - started) / 1e9 / events.length;
      const now = Date.now();
      events.forEach((e, i) => {
        metrics.processing.observe({ group }, perEventSeconds);
        if (outcomes[i] === 'duplicate') metrics.duplicates.inc({ group });
        else {
          metrics.processed.inc({ group, event_type: e.eventType });
          metrics.endToEnd.observe({ group }, Math.max(0, now - e.occurredAt.getTime()) / 1000);
        }
      });
      metrics.batches.inc({ group, path: 'batch' });
      return true;
    } catch (err) {
      metrics.batches.inc({ group, path: 'record_at_a_time' });
      logger.info(
        { topic, partition, fromOffset: chunk[0]!.offset, records: chunk.length, err: (err as Error).message },
        'chunk failed; processing its records one at a time',
      );
      return false;
    }
  }

  /** Whether the record is finished (processed, duplicate or dead-lettered) and may be committed. */
  private async handleRecord(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<'done' | 'dead-lettered' | 'unfinished'> {
    const { group, logger, metrics } = this.d;
    let outageAttempt = 0;
    let attempt = 0;
    for (;;) {
      if (this.stopping) return 'unfinished';
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
        return 'done';
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (error instanceof PoisonEventError) {
          await this.deadLetter(topic, partition, message, 0, error);
          return 'dead-lettered';
        }
        if (isRetriable(error)) {
          outageAttempt++;
          metrics.retried.inc({ group, cause: 'transient' });
          const wait = backoffDelay(outageAttempt, this.d.outageRetry);
          logger.warn(
            { topic, partition, offset: message.offset, err: error.message, retryInMs: wait },
            'dependency unavailable; retrying without burning attempts',
          );
          await sleep(wait);
          await heartbeat().catch(() => undefined);
          continue;
        }
        attempt++;
        if (attempt >= this.d.maxAttempts) {
          await this.deadLetter(topic, partition, message, attempt, error);
          return 'dead-lettered';
        }
        metrics.retried.inc({ group, cause: 'handler' });
        const wait = backoffDelay(attempt, this.d.retry);
        logger.warn(
          { topic, partition, offset: message.offset, attempt, err: error.message, retryInMs: wait },
          'handler failed; retrying',
        );
        await sleep(wait);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private async processOnce(event: Awaited<ReturnType<typeof decodeEvent>>): Promise<Outcome> {
    const { pool, group, handler } = this.d;
    return inSqlTransaction(pool, async (tx) => {
      const inserted = await tx.execute(Prisma.sql`
        insert into processed_events (consumer_group, event_id) values (${group}, ${event.eventId}::uuid)
        on conflict do nothing`);
      if (inserted === 0) return 'duplicate' as const;
      await handler.handle(tx, event, this.ctx);
      return 'processed' as const;
    });
  }

  /** Publishes to the group's DLQ; a DLQ that cannot be reached is an outage, retried until it works. */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempts: number,
    error: Error,
  ): Promise<void> {
    const { group, logger, metrics } = this.d;
    for (let i = 1; ; i++) {
      try {
        await publishDeadLetter(this.producer!, { group, topic, partition, message, attempts, error });
        break;
      } catch (err) {
        if (this.stopping) throw err;
        metrics.retried.inc({ group, cause: 'dlq_unavailable' });
        const wait = backoffDelay(i, this.d.outageRetry);
        logger.warn(
          {
            topic,
            partition,
            offset: message.offset,
            err: (err as Error).message,
            errName: (err as Error).name,
            retryInMs: wait,
          },
          'dead-letter topic unavailable; retrying',
        );
        await sleep(wait);
      }
    }
    metrics.deadLettered.inc({ group, reason: error instanceof PoisonEventError ? 'poison' : 'attempts_exhausted' });
    logger.error(
      { topic, partition, offset: message.offset, attempts, errorClass: error.name, err: error.message },
      'event dead-lettered',
    );
  }
}
