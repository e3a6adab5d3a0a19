/**
 * The relay process's parts, wired: a connection pool, the leader lock (active or standby), the
 * commit signal that wakes the loop (a temporary replication slot's stream, or LISTEN), the publish
 * loop, and the HTTP endpoints for probes and Prometheus. `startRelayService` is what `relay/main.ts` runs and what tests run in-process.
 */
import pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { kafkajsPatchState } from '../lib/patches/kafkajs.js';
import { startProbeServer } from '../lib/service/probe-server.js';
import { CommitSignal } from './commit-signal.js';
import type { RelayConfig } from './config.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { LeaderLock } from './leader-lock.js';
import { OutboxRelay } from './outbox-relay.js';
import type { OutboxRow } from '../lib/outbox/outbox-row.js';
import { RelayMetrics } from './relay-metrics.js';

export interface RelayService {
  readonly metricsUrl: string;
  isActive(): boolean;
  /** The commit-signal slot this relay streams from now, if any. */
  commitSignalSlot(): string | undefined;
  stop(): Promise<void>;
}

export async function startRelayService(
  cfg: RelayConfig,
  logger: Logger,
  hooks: { onPublished?: (rows: OutboxRow[], ackedAt: Date) => void } = {},
): Promise<RelayService> {
  const pool = new pg.Pool({ connectionString: cfg.databaseUrl, max: 4, application_name: 'outbox-relay' });
  // An idle client's error (database restart) must not crash the process: the next query retries.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection failed'));
  const metrics = new RelayMetrics(pool);
  const publisher = new KafkaPublisher(cfg.kafkaBrokers, cfg.instanceId, cfg.producerLanes);
  const lock = new LeaderLock(cfg.databaseUrl, cfg.leaderLockId, (err) => {
    metrics.active.set(0);
    logger.warn({ err: err.message }, 'lost the leader lock; standing by');
  });
  const relay = new OutboxRelay({
    pool,
    publisher,
    metrics,
    logger,
    batchSize: cfg.batchSize,
    pollIntervalMs: cfg.pollIntervalMs,
    stalledWriterWarnMs: cfg.stalledWriterWarnMs,
    isActive: () => lock.isHeld,
    onPublished: hooks.onPublished,
  });

  const signal =
    cfg.commitSignal === 'slot'
      ? new CommitSignal({
          databaseUrl: cfg.databaseUrl,
          pool,
          isActive: () => lock.isHeld,
          onCommit: () => relay.wake(),
          maxRetainedBytes: cfg.commitSignalMaxWalBytes,
          logger,
          metrics: metrics.commitSignal,
        })
      : undefined;

  let stopping = false;
  let listener: pg.Client | undefined;
  async function listen(): Promise<void> {
    if (cfg.commitSignal !== 'notify' || stopping) return;
    const c = new pg.Client({ connectionString: cfg.databaseUrl, application_name: 'outbox-relay-listen' });
    c.on('notification', () => relay.wake());
    c.on('error', () => {
      listener = undefined;
      // Polling covers the gap; reconnect in the background.
      setTimeout(() => void listen().catch(() => undefined), 1000).unref();
    });
    await c.connect();
    await c.query('listen outbox');
    listener = c;
  }

  const elect = async () => {
    while (!stopping) {
      if (!lock.isHeld) {
        const won = await lock.tryAcquire().catch((err: Error) => {
          logger.warn({ err: err.message }, 'cannot reach the database for the leader lock');
          return false;
        });
        if (won) {
          metrics.active.set(1);
          logger.info({ instance: cfg.instanceId }, 'this relay is now active');
          relay.wake();
        }
      }
      await new Promise((r) => setTimeout(r, cfg.standbyRetryMs));
    }
  };

  const probes = await startProbeServer({
    host: cfg.metricsHost,
    port: cfg.metricsPort,
    registry: metrics.registry,
    readiness: async () => {
      const database = await pool.query('select 1').then(
        () => true,
        () => false,
      );
      return { ready: database, database, active: lock.isHeld };
    },
  });

  await listen().catch((err: Error) => logger.warn({ err: err.message }, 'LISTEN unavailable; polling only'));
  const election = elect();
  relay.start();
  signal?.start();
  logger.info(
    {
      instance: cfg.instanceId,
      metrics: probes.metricsUrl,
      fastRecordEncoding: kafkajsPatchState().fastRecordEncoding,
      commitSignal: cfg.commitSignal,
    },
    'relay started',
  );

  return {
    metricsUrl: probes.metricsUrl,
    isActive: () => lock.isHeld,
    commitSignalSlot: () => signal?.slotName,
    async stop() {
      stopping = true;
      await relay.stop();
      await signal?.stop();
      await election;
      await lock.release();
      await listener?.end().catch(() => undefined);
      await publisher.reset();
      await probes.close();
      await pool.end();
    },
  };
}
