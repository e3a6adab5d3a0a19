/**
 * The local stack (`npm run stack:up`): where it lives, its ports and its JVMs. The ports are
 * declared only here: the stack listens on them and every client's default address follows them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { derived, EVERY_CLIENT, int, perReader, str, unset } from '../setting.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const STACK_DIR = str('STACK_DIR', {
  kind: 'path',
  default: derived('`.stack/` at the repository root', () => path.join(REPO_ROOT, '.stack')),
  readBy: ['stack', ...EVERY_CLIENT],
  description: "the checkout's stack folder: fetched jars, data, logs, and the generated secrets every command finds",
});

export const STACK_PG_PORT = int('STACK_PG_PORT', {
  kind: 'port',
  default: 5433,
  min: 1,
  readBy: ['stack', ...EVERY_CLIENT],
  description: "the stack's PostgreSQL; the default DATABASE_URL follows it",
});

export const STACK_PG_OS_USER = str('STACK_PG_OS_USER', {
  default: 'postgres',
  readBy: ['stack'],
  description: 'the unprivileged OS user the PostgreSQL cluster runs as when the stack runs as root',
});

export const STACK_KAFKA_NODES = int('STACK_KAFKA_NODES', {
  default: 3,
  min: 1,
  readBy: ['stack', ...EVERY_CLIENT],
  description:
    'Kafka nodes (broker and controller each); 1 is the small form, and a new count starts the cluster afresh',
});

export const KAFKA_PORT = int('KAFKA_PORT', {
  kind: 'port',
  default: 9092,
  min: 1,
  readBy: ['stack', ...EVERY_CLIENT],
  description: "the first Kafka node's client port; each next node's is 2 higher, the port between is a controller's",
});

export const KAFKA_METRICS_PORT = int('KAFKA_METRICS_PORT', {
  kind: 'port',
  default: 9404,
  min: 1,
  readBy: ['stack'],
  description: "the first Kafka node's JMX exporter `/metrics`; each next node's is 2 higher",
});

export const CONNECT_PORT = int('CONNECT_PORT', {
  kind: 'port',
  default: 8083,
  min: 1,
  readBy: ['stack', 'debezium', 'chaos', 'bench'],
  description: 'Kafka Connect REST; the default CONNECT_URL follows it',
});

export const CONNECT_METRICS_PORT = int('CONNECT_METRICS_PORT', {
  kind: 'port',
  default: 9405,
  min: 1,
  readBy: ['stack'],
  description: "Kafka Connect's JMX exporter `/metrics`",
});

export const REGISTRY_PORT = int('REGISTRY_PORT', {
  kind: 'port',
  default: 8081,
  min: 1,
  readBy: ['stack', ...EVERY_CLIENT],
  description: "the schema registry's API; the default SCHEMA_REGISTRY_URL follows it",
});

export const REGISTRY_MANAGEMENT_PORT = int('REGISTRY_MANAGEMENT_PORT', {
  kind: 'port',
  default: 9081,
  min: 1,
  readBy: ['stack'],
  description: "the schema registry's health and `/metrics` (scraped by Prometheus)",
});

export const REGISTRY_DATABASE_URL = str('REGISTRY_DATABASE_URL', {
  kind: 'url',
  default: perReader("the stack's PostgreSQL, database `registry`"),
  readBy: ['stack'],
  secret: true,
  description: 'where the schema registry stores its schemas',
});

export const PROMETHEUS_PORT = int('PROMETHEUS_PORT', {
  kind: 'port',
  default: 9090,
  min: 1,
  readBy: ['stack', 'tools'],
  description: "the stack's Prometheus (scrapes, alert rules, the dashboards' queries)",
});

export const STACK_READY_TIMEOUT_MS = int('STACK_READY_TIMEOUT_MS', {
  kind: 'duration-ms',
  default: 180_000,
  min: 1000,
  readBy: ['stack'],
  description: '`stack:up` gives up on a service not ready after this long',
});

export const KAFKA_HEAP_OPTS = str('KAFKA_HEAP_OPTS', {
  default: '-Xms128m -Xmx512m',
  readBy: ['stack'],
  description: "each Kafka node's JVM heap flags",
});

export const CONNECT_HEAP_OPTS = str('CONNECT_HEAP_OPTS', {
  default: '-Xms128m -Xmx512m',
  readBy: ['stack'],
  description: "Kafka Connect's JVM heap flags",
});

export const REGISTRY_HEAP_OPTS = str('REGISTRY_HEAP_OPTS', {
  default: '-Xms64m -Xmx384m',
  readBy: ['stack'],
  description: "the schema registry's JVM heap flags",
});

export const KAFKA_JAVA_HOME = str('KAFKA_JAVA_HOME', {
  kind: 'path',
  default: unset('JAVA_HOME, the PATH, then `/usr/lib/jvm`'),
  readBy: ['stack'],
  description: 'a Java 17+ for Kafka and Connect',
});

export const REGISTRY_JAVA_HOME = str('REGISTRY_JAVA_HOME', {
  kind: 'path',
  default: unset('JAVA_HOME, the PATH, then `/usr/lib/jvm`'),
  readBy: ['stack'],
  description: 'a Java 21+ for the schema registry (Apicurio 3.3 needs it)',
});

export const JAVA_HOME = str('JAVA_HOME', {
  kind: 'path',
  default: unset('the PATH, then `/usr/lib/jvm`'),
  readBy: ['stack', 'tools'],
  description: 'the Java tried after the service-specific one',
});

export const PG_BIN = str('PG_BIN', {
  kind: 'path',
  default: unset('the newest `/usr/lib/postgresql/<version>/bin`, else `pg_config --bindir`'),
  readBy: ['stack'],
  description: 'the PostgreSQL server binaries (initdb, postgres) the stack runs its cluster from',
});

export const PROMETHEUS_BIN = str('PROMETHEUS_BIN', {
  kind: 'path',
  default: unset('the PATH (installed from Debian as root when missing)'),
  readBy: ['stack'],
  description: 'the folder of `prometheus` and `promtool`',
});
