/**
 * The relay process's parts, wired: a connection pool, the leader lock (active or standby), the
 * LISTEN connection that wakes the loop, the publish loop, and the HTTP endpoints for probes and
 * Prometheus. `startRelayService` is what `relay/main.ts` runs and what tests run in-process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { fastRecordEncoding } from '../lib/kafka/kafka-client.js';
import type { Logger } from '../lib/logger.js';
import type { RelayConfig } from './config.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { LeaderLock } from './leader-lock.js';
import { OutboxRelay } from './outbox-relay.js';
import type { OutboxRow } from './outbox-store.js';
import { RelayMetrics } from './relay-metrics.js';

export interface RelayService {
  readonly metricsUrl: string;
  isActive(): boolean;
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

  let stopping = false;
  let listener: pg.Client | undefined;
  async function listen(): Promise<void> {
    if (!cfg.listen || stopping) return;
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

  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    } else if (req.url === '/readyz') {
      pool.query('select 1').then(
        () =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ database: true, active: lock.isHeld })),
        () =>
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ database: false, active: lock.isHeld })),
      );
    } else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(cfg.metricsPort, cfg.metricsHost, resolve));
  const addr = server.address() as AddressInfo;

  await listen().catch((err: Error) => logger.warn({ err: err.message }, 'LISTEN unavailable; polling only'));
  const election = elect();
  relay.start();
  logger.info(
    { instance: cfg.instanceId, metrics: `http://${addr.address}:${addr.port}/metrics`, fastRecordEncoding },
    'relay started',
  );

  return {
    metricsUrl: `http://${addr.address}:${addr.port}/metrics`,
    isActive: () => lock.isHeld,
    async stop() {
      stopping = true;
      await relay.stop();
      await election;
      await lock.release();
      await listener?.end().catch(() => undefined);
      await publisher.reset();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.end();
    },
  };
}
