/**
 * A runnable consumer service: the shared runtime for one group, its handler, an optional
 * scheduler tick, and HTTP probes/metrics. `consumers/main.ts` starts one; tests start them
 * in-process with their own database and clock.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import cron from 'node-cron';
import { EventCodec } from '../lib/avro/event-codec.js';
import { ConsumerMetrics } from '../lib/consumer/consumer-metrics.js';
import { ConsumerRuntime } from '../lib/consumer/consumer-runtime.js';
import type { EventHandler } from '../lib/consumer/consumed-event.js';
import { createPrismaOnPool, type Db } from '../lib/db/prisma.js';
import { createServicePool } from '../lib/db/service-pool.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import type { Logger } from '../lib/logger.js';
import { startProbeServer } from '../lib/service/probe-server.js';
import { untilReachable } from '../lib/service/until-reachable.js';
import type { ConsumerGroup } from '../lib/topics.js';
import type { ConsumerConfig } from './config.js';

/** What a group's service needs to build its handler and ticker. */
export interface ServiceDeps {
  /** The scheduler ticks' transactions (handlers get theirs from the runtime, on node-postgres). */
  db: Db;
  codec: EventCodec;
  config: ConsumerConfig;
  logger: Logger;
  clock: () => Date;
  /** The service's metrics (tickers count what they set aside); absent when a test builds a ticker alone. */
  metrics?: ConsumerMetrics;
}

/** Periodic work of a group beyond consuming (due recurrences, due reminders). */
export interface Ticker {
  tick(): Promise<void>;
}

export interface ConsumerServiceDefinition {
  group: ConsumerGroup;
  createHandler(deps: ServiceDeps): EventHandler;
  createTicker?(deps: ServiceDeps): Ticker;
}

export interface RunningConsumerService {
  readonly metricsUrl: string;
  /** Prisma on the service's pool, for tests that read what the service wrote. */
  readonly db: Db;
  /** Runs one scheduler tick now (tests drive time through it). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export async function startConsumerService(
  def: ConsumerServiceDefinition,
  config: ConsumerConfig,
  logger: Logger,
  opts: { clock?: () => Date; scheduleTicks?: boolean; fromBeginning?: boolean; kafkaGroupId?: string } = {},
): Promise<RunningConsumerService> {
  const clock = opts.clock ?? (() => new Date());
  const pool = createServicePool({
    databaseUrl: config.databaseUrl,
    max: config.dbPoolMax,
    applicationName: def.group,
    logger,
  });
  const db = createPrismaOnPool(pool);
  const registry = new SchemaRegistry({ host: config.schemaRegistryUrl });
  const codec = new EventCodec(registry);
  await untilReachable('schema registry', logger, () => codec.resolveAll());
  const deps: ServiceDeps = { db, codec, config, logger, clock };
  const handler = def.createHandler(deps);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: def.group, principal: def.group });
  const admin = kafka.admin();
  await untilReachable('Kafka', logger, () => admin.connect());
  const kafkaGroupId = opts.kafkaGroupId ?? config.kafkaGroupId;
  const metrics = new ConsumerMetrics(def.group, kafkaGroupId, handler.topics, admin);
  const runtime = new ConsumerRuntime({
    group: def.group,
    kafka,
    pool,
    registry,
    codec,
    handler,
    logger,
    metrics,
    maxAttempts: config.maxAttempts,
    retry: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
    outageRetry: { baseMs: 100, maxMs: config.outageRetryMaxMs },
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    batchMax: config.batchMax,
    commitIntervalMs: config.commitIntervalMs,
    fetchMinBytes: config.fetchMinBytes,
    fetchMaxWaitMs: config.fetchMaxWaitMs,
    clock,
    fromBeginning: opts.fromBeginning,
    kafkaGroupId,
    sessionTimeoutMs: config.sessionTimeoutMs,
  });
  await untilReachable('Kafka', logger, () => runtime.start());

  const ticker = def.createTicker?.({ ...deps, metrics });
  let ticking: Promise<void> | undefined;
  const tick = async () => {
    if (!ticker) return;
    // One tick at a time per process; concurrent processes coordinate through row locks.
    ticking ??= ticker
      .tick()
      .catch((err: Error) => logger.warn({ err: err.message }, 'scheduler tick failed; next tick retries'))
      .finally(() => (ticking = undefined));
    await ticking;
  };
  const task = ticker && opts.scheduleTicks !== false ? cron.schedule(config.tickCron, () => void tick()) : undefined;

  const probes = await startProbeServer({
    host: config.metricsHost,
    port: config.metricsPort,
    registry: metrics.registry,
    health: { group: def.group },
    readiness: async () => {
      const database = await pool.query('select 1').then(
        () => true,
        () => false,
      );
      return { ready: database, database };
    },
  });
  logger.info({ group: def.group, metrics: probes.metricsUrl }, 'consumer started');

  return {
    metricsUrl: probes.metricsUrl,
    db,
    tick,
    async stop() {
      await task?.stop();
      await ticking;
      await runtime.stop();
      await admin.disconnect();
      await probes.close();
      await db.$disconnect();
      await pool.end();
    },
  };
}
