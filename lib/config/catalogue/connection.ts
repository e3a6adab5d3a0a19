/**
 * Where every client finds PostgreSQL, Kafka and the schema registry, and who it is on Kafka. The
 * defaults are the local stack's addresses, derived from its ports, so moving the stack's ports
 * moves every client with it.
 */
import { derived, EVERY_CLIENT, list, read, str, unset } from '../setting.js';
import { KAFKA_PORT, REGISTRY_PORT, STACK_KAFKA_NODES, STACK_PG_PORT } from './stack.js';

/** A database of the stack's PostgreSQL (superuser `postgres`, trusted on 127.0.0.1). */
export function localDatabaseUrl(database: string, port: number = read(STACK_PG_PORT)): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}

/**
 * The client ports of the local stack's Kafka nodes: STACK_KAFKA_NODES of them, the first on
 * KAFKA_PORT, each next one 2 higher (the odd port between is that node's controller listener).
 */
export function localKafkaPorts(): number[] {
  const nodes = read(STACK_KAFKA_NODES);
  const first = read(KAFKA_PORT);
  return Array.from({ length: nodes }, (_, i) => first + 2 * i);
}

export const DATABASE_URL = str('DATABASE_URL', {
  kind: 'url',
  default: derived('`postgresql://postgres@127.0.0.1:5433/todo`, the port following STACK_PG_PORT', () =>
    localDatabaseUrl('todo'),
  ),
  readBy: ['stack', ...EVERY_CLIENT],
  secret: true,
  description:
    'the database (with `wal_level=logical`); when set, `stack:up` uses this server instead of starting its own',
});

export const KAFKA_BROKERS = list('KAFKA_BROKERS', {
  default: derived('`127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096`, following KAFKA_PORT and STACK_KAFKA_NODES', () =>
    localKafkaPorts().map((p) => `127.0.0.1:${p}`),
  ),
  readBy: EVERY_CLIENT,
  description: 'the Kafka bootstrap servers, comma-separated',
});

export const SCHEMA_REGISTRY_URL = str('SCHEMA_REGISTRY_URL', {
  kind: 'url',
  default: derived(
    '`http://127.0.0.1:8081/apis/ccompat/v7`, the port following REGISTRY_PORT',
    () => `http://127.0.0.1:${read(REGISTRY_PORT)}/apis/ccompat/v7`,
  ),
  readBy: ['stack', ...EVERY_CLIENT],
  description: "the schema registry's Confluent-compatible API",
});

export const KAFKA_SASL_USERNAME = str('KAFKA_SASL_USERNAME', {
  default: unset("each client's own principal from `<STACK_DIR>/kafka-users.json`, else no SASL"),
  readBy: EVERY_CLIENT,
  description: 'the Kafka principal to authenticate as (Kubernetes sets it from the KafkaUser Secret)',
});

export const KAFKA_SASL_PASSWORD = str('KAFKA_SASL_PASSWORD', {
  default: unset('an empty password'),
  readBy: EVERY_CLIENT,
  secret: true,
  description: "KAFKA_SASL_USERNAME's password",
});

export const KAFKA_SASL_MECHANISM = str('KAFKA_SASL_MECHANISM', {
  default: 'scram-sha-512',
  readBy: EVERY_CLIENT,
  description: 'the SASL mechanism with KAFKA_SASL_USERNAME: `scram-sha-512` or `scram-sha-256`',
});
