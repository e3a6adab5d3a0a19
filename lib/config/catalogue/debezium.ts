/** The Debezium relay (`debezium/`): where Connect is, the names it uses in PostgreSQL, its heartbeat and janitor. */
import { derived, int, perReader, read, str, unset } from '../setting.js';
import { CONNECT_PORT } from './stack.js';

export const CONNECT_URL = str('CONNECT_URL', {
  kind: 'url',
  default: derived(
    '`http://127.0.0.1:8083`, the port following CONNECT_PORT',
    () => `http://127.0.0.1:${read(CONNECT_PORT)}`,
  ),
  readBy: ['debezium', 'chaos', 'bench'],
  description: 'Kafka Connect REST, where the connector is registered',
});

export const DEBEZIUM_CONNECTOR_NAME = str('DEBEZIUM_CONNECTOR_NAME', {
  default: perReader('`todo-outbox-<database>`'),
  readBy: ['debezium'],
  description: "the connector's name in Connect",
});

export const DEBEZIUM_SLOT_NAME = str('DEBEZIUM_SLOT_NAME', {
  default: perReader('`debezium_outbox_<database>`'),
  readBy: ['debezium'],
  description: 'the replication slot (made slot-safe); slots are cluster-wide, so one per database',
});

export const DEBEZIUM_PUBLICATION_NAME = str('DEBEZIUM_PUBLICATION_NAME', {
  default: 'debezium_outbox',
  readBy: ['debezium'],
  description: 'the publication the connector reads (inserts of the outbox and the heartbeat table)',
});

export const DEBEZIUM_DB_USER = str('DEBEZIUM_DB_USER', {
  default: 'debezium_outbox',
  readBy: ['debezium'],
  description: "the connector's least-privilege replication role",
});

export const DEBEZIUM_DB_PASSWORD = str('DEBEZIUM_DB_PASSWORD', {
  default: unset('generated once into `<STACK_DIR>/debezium-db-password`'),
  readBy: ['debezium'],
  secret: true,
  description: "DEBEZIUM_DB_USER's password",
});

export const DEBEZIUM_DB_HOST = str('DEBEZIUM_DB_HOST', {
  default: unset("DATABASE_URL's host"),
  readBy: ['debezium'],
  description: 'the database host as the Connect worker sees it (Connect in another network or cluster)',
});

export const DEBEZIUM_HEARTBEAT_INTERVAL_MS = int('DEBEZIUM_HEARTBEAT_INTERVAL_MS', {
  kind: 'duration-ms',
  default: 10_000,
  min: 100,
  readBy: ['debezium'],
  description: 'how often the connector writes a heartbeat, so an idle database does not pin WAL',
});

export const DEBEZIUM_HEARTBEAT_TOPIC = str('DEBEZIUM_HEARTBEAT_TOPIC', {
  default: 'todo.debezium.heartbeat',
  readBy: ['debezium', 'tools'],
  description: "the topic of the connector's heartbeat records (registration creates it; no consumer reads it)",
});

export const DEBEZIUM_JANITOR_MAX_AGE_MS = int('DEBEZIUM_JANITOR_MAX_AGE_MS', {
  kind: 'duration-ms',
  default: 60_000,
  readBy: ['debezium'],
  description: 'the janitor deletes outbox rows older than this that the connector has confirmed',
});

export const DEBEZIUM_JANITOR_BATCH_SIZE = int('DEBEZIUM_JANITOR_BATCH_SIZE', {
  default: 1000,
  min: 1,
  readBy: ['debezium'],
  description: 'outbox rows the janitor deletes per statement',
});

export const DEBEZIUM_JANITOR_INTERVAL_MS = int('DEBEZIUM_JANITOR_INTERVAL_MS', {
  kind: 'duration-ms',
  default: 5_000,
  min: 10,
  readBy: ['debezium'],
  description: "the janitor's round interval",
});
