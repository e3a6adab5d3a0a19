/** Configuration shared by the consumer services, read once from the environment. */
import { connectionConfig, envInt, envOptional, envString, type ConnectionConfig } from '../lib/env.js';
import { CONSUMER_GROUPS, type ConsumerGroup } from '../lib/topics.js';

export interface ConsumerConfig extends ConnectionConfig {
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly outageRetryMaxMs: number;
  readonly partitionsConsumedConcurrently: number;
  /** At most this many records of one partition share a transaction and an offset commit; 1 is record at a time. */
  readonly batchMax: number;
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

/** Each group's metrics port unless CONSUMER_METRICS_PORT says otherwise (the local Prometheus scrapes these). */
export const DEFAULT_METRICS_PORTS: Record<ConsumerGroup, number> = {
  'recurring-task-cg': 9470,
  'reminder-scheduler-cg': 9471,
  'reminder-trigger-cg': 9472,
  'task-broadcaster-cg': 9473,
  'audit-log-cg': 9474,
};

export function consumerConfig(group: ConsumerGroup): ConsumerConfig {
  return Object.freeze({
    ...connectionConfig(),
    maxAttempts: envInt('CONSUMER_MAX_ATTEMPTS', 5, 1),
    retryBaseMs: envInt('CONSUMER_RETRY_BASE_MS', 200, 1),
    retryMaxMs: envInt('CONSUMER_RETRY_MAX_MS', 30_000, 1),
    outageRetryMaxMs: envInt('CONSUMER_OUTAGE_RETRY_MAX_MS', 5_000, 1),
    partitionsConsumedConcurrently: envInt('CONSUMER_PARTITIONS_CONCURRENTLY', 3, 1),
    batchMax: envInt('CONSUMER_BATCH_MAX', 100, 1),
    fetchMinBytes: envInt('CONSUMER_FETCH_MIN_BYTES', 1, 1),
    fetchMaxWaitMs: envInt('CONSUMER_FETCH_MAX_WAIT_MS', 500, 1),
    metricsHost: envString('CONSUMER_METRICS_HOST', '127.0.0.1'),
    metricsPort: envInt('CONSUMER_METRICS_PORT', DEFAULT_METRICS_PORTS[group]),
    notifyUrl: envOptional('NOTIFY_URL'),
    tickCron: envString('CONSUMER_TICK_CRON', '* * * * * *'),
    recurrenceCatchUpCap: envInt('RECURRENCE_CATCH_UP_CAP', 10, 1),
    reminderLeadMinutes: envInt('REMINDER_LEAD_MINUTES', 15, 0),
    dbPoolMax: envInt('CONSUMER_DB_POOL_MAX', 5, 1),
    kafkaGroupId: envString('CONSUMER_KAFKA_GROUP_ID', group),
    // 6 s is the broker's group.min.session.timeout.ms.
    sessionTimeoutMs: envInt('CONSUMER_SESSION_TIMEOUT_MS', 10_000, 6_000),
  });
}

export function parseGroup(name: string | undefined): ConsumerGroup {
  if (name && (CONSUMER_GROUPS as readonly string[]).includes(name)) return name as ConsumerGroup;
  throw new Error(`unknown consumer group "${name ?? ''}": one of ${CONSUMER_GROUPS.join(', ')}`);
}
