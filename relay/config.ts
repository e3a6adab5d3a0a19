/** The relay's configuration, read once at start-up from the catalogue (lib/config/settings.ts). */
import {
  read,
  RELAY_BATCH_SIZE,
  RELAY_INSTANCE_ID,
  RELAY_LISTEN,
  RELAY_LOCK_ID,
  RELAY_METRICS_HOST,
  RELAY_METRICS_PORT,
  RELAY_POLL_INTERVAL_MS,
  RELAY_PRODUCER_LANES,
  RELAY_STALLED_WRITER_WARN_MS,
  RELAY_STANDBY_RETRY_MS,
} from '../lib/config/settings.js';
import { connectionConfig, type ConnectionConfig } from '../lib/env.js';

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
    batchSize: read(RELAY_BATCH_SIZE),
    producerLanes: read(RELAY_PRODUCER_LANES),
    pollIntervalMs: read(RELAY_POLL_INTERVAL_MS),
    listen: read(RELAY_LISTEN),
    leaderLockId: read(RELAY_LOCK_ID),
    standbyRetryMs: read(RELAY_STANDBY_RETRY_MS),
    metricsHost: read(RELAY_METRICS_HOST),
    metricsPort: read(RELAY_METRICS_PORT),
    stalledWriterWarnMs: read(RELAY_STALLED_WRITER_WARN_MS),
    instanceId: read(RELAY_INSTANCE_ID),
  });
}
