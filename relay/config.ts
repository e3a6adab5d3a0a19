/** The relay's configuration, read once from the environment (defaults documented in relay/README.md). */
import { connectionConfig, envBool, envInt, envString, type ConnectionConfig } from '../lib/env.js';

export interface RelayConfig extends ConnectionConfig {
  /** Rows read and published per batch. */
  readonly batchSize: number;
  /** Idempotent producers publishing side by side, keys split between them (kafka-publisher.ts). */
  readonly producerLanes: number;
  /** Poll interval when idle (the NOTIFY wake-up is off by default: see relay/README.md). */
  readonly pollIntervalMs: number;
  readonly listen: boolean;
  /** Advisory lock id shared by every relay of one database: the holder publishes. */
  readonly leaderLockId: number;
  /** How often a standby tries to become the active relay. */
  readonly standbyRetryMs: number;
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** Log the transactions that keep writers' outbox rows invisible for longer than this. */
  readonly stalledWriterWarnMs: number;
  readonly instanceId: string;
}

export function relayConfig(): RelayConfig {
  return Object.freeze({
    ...connectionConfig(),
    batchSize: envInt('RELAY_BATCH_SIZE', 2000, 1),
    producerLanes: envInt('RELAY_PRODUCER_LANES', 2, 1),
    pollIntervalMs: envInt('RELAY_POLL_INTERVAL_MS', 10, 1),
    listen: envBool('RELAY_LISTEN', false),
    leaderLockId: envInt('RELAY_LOCK_ID', 7_301_001),
    standbyRetryMs: envInt('RELAY_STANDBY_RETRY_MS', 1000, 10),
    metricsHost: envString('RELAY_METRICS_HOST', '127.0.0.1'),
    metricsPort: envInt('RELAY_METRICS_PORT', 9464),
    stalledWriterWarnMs: envInt('RELAY_STALLED_WRITER_WARN_MS', 30_000, 1000),
    instanceId: envString('RELAY_INSTANCE_ID', `relay-${process.pid}`),
  });
}
