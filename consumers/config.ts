/** Configuration shared by the consumer services, read once at start-up from the catalogue (lib/config/settings.ts). */
import {
  CONSUMER_BATCH_MAX,
  CONSUMER_COMMIT_INTERVAL_MS,
  CONSUMER_DB_POOL_MAX,
  CONSUMER_FETCH_MAX_WAIT_MS,
  CONSUMER_FETCH_MIN_BYTES,
  CONSUMER_KAFKA_GROUP_ID,
  CONSUMER_MAX_ATTEMPTS,
  CONSUMER_METRICS_HOST,
  CONSUMER_METRICS_PORT,
  CONSUMER_METRICS_PORTS,
  CONSUMER_OUTAGE_RETRY_MAX_MS,
  CONSUMER_PARTITIONS_CONCURRENTLY,
  CONSUMER_RETRY_BASE_MS,
  CONSUMER_RETRY_MAX_MS,
  CONSUMER_SESSION_TIMEOUT_MS,
  CONSUMER_TICK_CRON,
  NOTIFY_URL,
  read,
  RECURRENCE_CATCH_UP_CAP,
  REMINDER_LEAD_MINUTES,
} from '../lib/config/settings.js';
import { connectionConfig, type ConnectionConfig } from '../lib/env.js';
import { CONSUMER_GROUPS, type ConsumerGroup } from '../lib/topics.js';

export interface ConsumerConfig extends ConnectionConfig {
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly outageRetryMaxMs: number;
  readonly partitionsConsumedConcurrently: number;
  /** At most this many records of one partition share a transaction; 1 is record at a time. */
  readonly batchMax: number;
  /** Finished offsets are committed this often. */
  readonly commitIntervalMs: number;
  /** The broker answers a fetch once this many bytes are ready, or after `fetchMaxWaitMs`. */
  readonly fetchMinBytes: number;
  readonly fetchMaxWaitMs: number;
  readonly metricsHost: string;
  /** Port of /healthz, /readyz, /metrics; each group has its own default. */
  readonly metricsPort: number;
  /** Where reminder-trigger-cg delivers notifications; unset: stored for GET /api/:userId/notifications. */
  readonly notifyUrl: string | undefined;
  /** node-cron expression of the scheduler tick (recurring tasks, reminder triggers). */
  readonly tickCron: string;
  /** At most this many missed occurrences per template are created after downtime. */
  readonly recurrenceCatchUpCap: number;
  readonly reminderLeadMinutes: number;
  readonly dbPoolMax: number;
  /** Kafka consumer group id; the group name unless overridden (e.g. to run a second, independent copy). */
  readonly kafkaGroupId: string;
  /** How long the group waits for a silent member (a killed one) before giving its partitions away. */
  readonly sessionTimeoutMs: number;
}

export function consumerConfig(group: ConsumerGroup): ConsumerConfig {
  return Object.freeze({
    ...connectionConfig(),
    maxAttempts: read(CONSUMER_MAX_ATTEMPTS),
    retryBaseMs: read(CONSUMER_RETRY_BASE_MS),
    retryMaxMs: read(CONSUMER_RETRY_MAX_MS),
    outageRetryMaxMs: read(CONSUMER_OUTAGE_RETRY_MAX_MS),
    partitionsConsumedConcurrently: read(CONSUMER_PARTITIONS_CONCURRENTLY),
    batchMax: read(CONSUMER_BATCH_MAX),
    commitIntervalMs: read(CONSUMER_COMMIT_INTERVAL_MS),
    fetchMinBytes: read(CONSUMER_FETCH_MIN_BYTES),
    fetchMaxWaitMs: read(CONSUMER_FETCH_MAX_WAIT_MS),
    metricsHost: read(CONSUMER_METRICS_HOST),
    metricsPort: read(CONSUMER_METRICS_PORT, CONSUMER_METRICS_PORTS[group]),
    notifyUrl: read(NOTIFY_URL),
    tickCron: read(CONSUMER_TICK_CRON),
    recurrenceCatchUpCap: read(RECURRENCE_CATCH_UP_CAP),
    reminderLeadMinutes: read(REMINDER_LEAD_MINUTES),
    dbPoolMax: read(CONSUMER_DB_POOL_MAX),
    kafkaGroupId: read(CONSUMER_KAFKA_GROUP_ID, group),
    sessionTimeoutMs: read(CONSUMER_SESSION_TIMEOUT_MS),
  });
}

export function parseGroup(name: string | undefined): ConsumerGroup {
  if (name && (CONSUMER_GROUPS as readonly string[]).includes(name)) return name as ConsumerGroup;
  throw new Error(`unknown consumer group "${name ?? ''}": one of ${CONSUMER_GROUPS.join(', ')}`);
}
