/** The TypeScript relay (`relay/config.ts`; how it works: relay/README.md). */
import { bool, derived, int, str } from '../setting.js';

export const RELAY_BATCH_SIZE = int('RELAY_BATCH_SIZE', {
  default: 2000,
  min: 1,
  readBy: ['relay'],
  description: 'outbox rows read and published per round',
});

export const RELAY_PRODUCER_LANES = int('RELAY_PRODUCER_LANES', {
  default: 2,
  min: 1,
  readBy: ['relay'],
  description: 'idempotent producers publishing side by side, keys split between them by hash',
});

export const RELAY_POLL_INTERVAL_MS = int('RELAY_POLL_INTERVAL_MS', {
  kind: 'duration-ms',
  default: 10,
  min: 1,
  readBy: ['relay'],
  description: 'how often an idle relay looks for new rows',
});

export const RELAY_COMMIT_SIGNAL = str('RELAY_COMMIT_SIGNAL', {
  default: 'off',
  readBy: ['relay'],
  description:
    "what wakes an idle relay before its next poll: `slot` (a temporary logical replication slot's commits; the role needs REPLICATION), `notify` (the outbox trigger's NOTIFY; enable the trigger too), `off`; relay/README.md",
});

export const RELAY_LISTEN = bool('RELAY_LISTEN', {
  default: false,
  readBy: ['relay'],
  description: 'older spelling of `RELAY_COMMIT_SIGNAL=notify`, used when RELAY_COMMIT_SIGNAL is unset',
});

export const RELAY_COMMIT_SIGNAL_MAX_WAL_MB = int('RELAY_COMMIT_SIGNAL_MAX_WAL_MB', {
  default: 64,
  min: 1,
  readBy: ['relay'],
  description: "drop the commit signal's slot (and poll) when it retains more WAL than this; reopened after a backoff",
});

export const RELAY_LOCK_ID = int('RELAY_LOCK_ID', {
  default: 7_301_001,
  readBy: ['relay'],
  description: 'the advisory lock the relays of one database share: its holder publishes, the others stand by',
});

export const RELAY_STANDBY_RETRY_MS = int('RELAY_STANDBY_RETRY_MS', {
  kind: 'duration-ms',
  default: 1000,
  min: 10,
  readBy: ['relay'],
  description: 'how often a standby relay tries to take over',
});

export const RELAY_METRICS_HOST = str('RELAY_METRICS_HOST', {
  default: '127.0.0.1',
  readBy: ['relay'],
  description: "the address of the relay's `/metrics`, `/healthz`, `/readyz`",
});

export const RELAY_METRICS_PORT = int('RELAY_METRICS_PORT', {
  kind: 'port',
  default: 9464,
  readBy: ['relay', 'stack'],
  description: "the port of the relay's `/metrics`, `/healthz`, `/readyz`; Prometheus scrapes it",
});

export const RELAY_STALLED_WRITER_WARN_MS = int('RELAY_STALLED_WRITER_WARN_MS', {
  kind: 'duration-ms',
  default: 30_000,
  min: 1000,
  readBy: ['relay'],
  description: 'log transactions open longer than this: their outbox rows stay invisible and hold back the ones after',
});

export const RELAY_INSTANCE_ID = str('RELAY_INSTANCE_ID', {
  default: derived('`relay-<pid>`', () => `relay-${process.pid}`),
  readBy: ['relay'],
  description: "the relay's Kafka client id and log field",
});
