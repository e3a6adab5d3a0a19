/** The relay's configuration, read once at start-up from the catalogue (lib/config/settings.ts). */
import {
  read,
  readIfSet,
  RELAY_BATCH_SIZE,
  RELAY_INSTANCE_ID,
  RELAY_COMMIT_SIGNAL,
  RELAY_COMMIT_SIGNAL_MAX_WAL_MB,
  RELAY_LISTEN,
  RELAY_LOCK_ID,
  RELAY_METRICS_HOST,
  RELAY_METRICS_PORT,
  RELAY_POLL_INTERVAL_MS,
  RELAY_PRODUCER_LANES,
  RELAY_STALLED_WRITER_WARN_MS,
  RELAY_STANDBY_RETRY_MS,
} from '../lib/config/settings.js';
import { ConfigError } from '../lib/config/config-error.js';
import { connectionConfig, type ConnectionConfig } from '../lib/env.js';

export const COMMIT_SIGNALS = ['slot', 'notify', 'off'] as const;
export type CommitSignalKind = (typeof COMMIT_SIGNALS)[number];

export interface RelayConfig extends ConnectionConfig {
  /** Rows read and published per batch. */
  readonly batchSize: number;
  /** Idempotent producers publishing side by side, keys split between them (kafka-publisher.ts). */
  readonly producerLanes: number;
  /** Poll interval when idle; the commit signal wakes the relay sooner (relay/README.md). */
  readonly pollIntervalMs: number;
  /** What wakes an idle relay between polls: a temporary logical slot's commits, NOTIFY, or nothing. */
  readonly commitSignal: CommitSignalKind;
  /** The commit signal's slot is dropped (polling goes on) when it retains more WAL than this. */
  readonly commitSignalMaxWalBytes: number;
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
    commitSignal: commitSignal(),
    commitSignalMaxWalBytes: read(RELAY_COMMIT_SIGNAL_MAX_WAL_MB) * 1024 * 1024,
    leaderLockId: read(RELAY_LOCK_ID),
    standbyRetryMs: read(RELAY_STANDBY_RETRY_MS),
    metricsHost: read(RELAY_METRICS_HOST),
    metricsPort: read(RELAY_METRICS_PORT),
    stalledWriterWarnMs: read(RELAY_STALLED_WRITER_WARN_MS),
    instanceId: read(RELAY_INSTANCE_ID),
  });
}

/** RELAY_COMMIT_SIGNAL; when unset, RELAY_LISTEN=true (its older spelling) still means `notify`. */
function commitSignal(): CommitSignalKind {
  const set = readIfSet(RELAY_COMMIT_SIGNAL);
  if (set === undefined) return read(RELAY_LISTEN) ? 'notify' : (read(RELAY_COMMIT_SIGNAL) as CommitSignalKind);
  const v = set.toLowerCase();
  if (!(COMMIT_SIGNALS as readonly string[]).includes(v))
    throw new ConfigError(`RELAY_COMMIT_SIGNAL must be one of ${COMMIT_SIGNALS.join(', ')}, got "${set}"`);
  return v as CommitSignalKind;
}
