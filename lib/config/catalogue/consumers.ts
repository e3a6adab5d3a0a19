/** The consumer groups (`consumers/config.ts`): retries, batching, fetching, scheduling, probes. */
import type { ConsumerGroup } from '../../topics.js';
import { int, perReader, str, unset } from '../setting.js';

/** Each group's probe and metrics port, which the local Prometheus scrapes; CONSUMER_METRICS_PORT overrides one process's. */
export const CONSUMER_METRICS_PORTS: Readonly<Record<ConsumerGroup, number>> = Object.freeze({
  'recurring-task-cg': 9470,
  'reminder-scheduler-cg': 9471,
  'reminder-trigger-cg': 9472,
  'task-broadcaster-cg': 9473,
  'audit-log-cg': 9474,
});

export const CONSUMER_MAX_ATTEMPTS = int('CONSUMER_MAX_ATTEMPTS', {
  default: 5,
  min: 1,
  readBy: ['consumers'],
  description: "tries of a handler on one event before it goes to the group's DLQ",
});

export const CONSUMER_RETRY_BASE_MS = int('CONSUMER_RETRY_BASE_MS', {
  kind: 'duration-ms',
  default: 200,
  min: 1,
  readBy: ['consumers'],
  description: 'the first backoff between attempts (doubling, with jitter)',
});

export const CONSUMER_RETRY_MAX_MS = int('CONSUMER_RETRY_MAX_MS', {
  kind: 'duration-ms',
  default: 30_000,
  min: 1,
  readBy: ['consumers'],
  description: 'the longest backoff between attempts',
});

export const CONSUMER_OUTAGE_RETRY_MAX_MS = int('CONSUMER_OUTAGE_RETRY_MAX_MS', {
  kind: 'duration-ms',
  default: 5_000,
  min: 1,
  readBy: ['consumers'],
  description: 'the longest backoff while the database or registry is down (outages retry forever, using no attempt)',
});

export const CONSUMER_PARTITIONS_CONCURRENTLY = int('CONSUMER_PARTITIONS_CONCURRENTLY', {
  default: 3,
  min: 1,
  readBy: ['consumers'],
  description: 'partitions one process handles at the same time',
});

export const CONSUMER_BATCH_MAX = int('CONSUMER_BATCH_MAX', {
  default: 100,
  min: 1,
  readBy: ['consumers'],
  description: 'records of one partition sharing a transaction; 1 is record at a time',
});

export const CONSUMER_COMMIT_INTERVAL_MS = int('CONSUMER_COMMIT_INTERVAL_MS', {
  kind: 'duration-ms',
  default: 1_000,
  min: 1,
  readBy: ['consumers'],
  description:
    'finished offsets are committed this often (at once after a dead-letter or when the group rebalances, and on stop); records a crash redelivers since the last commit, the inbox skips',
});

export const CONSUMER_FETCH_MIN_BYTES = int('CONSUMER_FETCH_MIN_BYTES', {
  default: 1,
  min: 1,
  readBy: ['consumers'],
  description: 'the broker answers a fetch once this many bytes are ready (or after CONSUMER_FETCH_MAX_WAIT_MS)',
});

export const CONSUMER_FETCH_MAX_WAIT_MS = int('CONSUMER_FETCH_MAX_WAIT_MS', {
  kind: 'duration-ms',
  default: 500,
  min: 1,
  readBy: ['consumers'],
  description: 'the longest the broker holds a fetch waiting for CONSUMER_FETCH_MIN_BYTES',
});

export const CONSUMER_SESSION_TIMEOUT_MS = int('CONSUMER_SESSION_TIMEOUT_MS', {
  kind: 'duration-ms',
  default: 10_000,
  // The broker's group.min.session.timeout.ms.
  min: 6_000,
  readBy: ['consumers'],
  description: 'how long the group waits for a silent (killed) member before giving its partitions to the others',
});

export const CONSUMER_DB_POOL_MAX = int('CONSUMER_DB_POOL_MAX', {
  default: 5,
  min: 1,
  readBy: ['consumers'],
  description: 'database connections per consumer process',
});

export const CONSUMER_METRICS_HOST = str('CONSUMER_METRICS_HOST', {
  default: '127.0.0.1',
  readBy: ['consumers'],
  description: "the address of a consumer's `/metrics`, `/healthz`, `/readyz`",
});

export const CONSUMER_METRICS_PORT = int('CONSUMER_METRICS_PORT', {
  kind: 'port',
  default: perReader(
    `one per group: ${Object.entries(CONSUMER_METRICS_PORTS)
      .map(([g, p]) => `${p} ${g}`)
      .join(', ')}`,
  ),
  readBy: ['consumers'],
  description: "the port of a consumer's `/metrics`, `/healthz`, `/readyz`",
});

export const CONSUMER_KAFKA_GROUP_ID = str('CONSUMER_KAFKA_GROUP_ID', {
  default: perReader("the group's name"),
  readBy: ['consumers'],
  description: 'the Kafka consumer group id, e.g. to run a second, independent copy of a group',
});

export const CONSUMER_TICK_CRON = str('CONSUMER_TICK_CRON', {
  default: '* * * * * *',
  readBy: ['consumers'],
  description: "the schedulers' tick (recurring tasks, reminder triggers), a node-cron expression with seconds",
});

export const RECURRENCE_CATCH_UP_CAP = int('RECURRENCE_CATCH_UP_CAP', {
  default: 10,
  min: 1,
  readBy: ['consumers'],
  description: 'at most this many missed occurrences per recurring task are created after downtime',
});

export const REMINDER_LEAD_MINUTES = int('REMINDER_LEAD_MINUTES', {
  default: 15,
  readBy: ['consumers'],
  description: "how long before a task's due time its reminder fires, unless the task says otherwise",
});

export const NOTIFY_URL = str('NOTIFY_URL', {
  kind: 'url',
  default: unset('reminders are stored for `GET /api/:userId/notifications`'),
  readBy: ['consumers'],
  description: 'where reminder-trigger-cg POSTs reminders (`Idempotency-Key` = reminder id)',
});
