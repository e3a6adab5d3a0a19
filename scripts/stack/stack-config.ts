/**
 * Where the local stack lives and which ports it uses, read from the catalogue
 * (lib/config/catalogue/stack.ts), which holds the defaults the README's table shows.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONNECT_METRICS_PORT,
  CONNECT_PORT,
  DATABASE_URL,
  KAFKA_METRICS_PORT,
  localDatabaseUrl,
  localKafkaPorts,
  PROMETHEUS_PORT,
  read,
  readIfSet,
  REGISTRY_MANAGEMENT_PORT,
  REGISTRY_PORT,
  STACK_PG_OS_USER,
  STACK_PG_PORT,
  STACK_READY_TIMEOUT_MS,
} from '../../lib/config/settings.js';
import { stackDir } from '../../lib/stack-secret.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface KafkaNode {
  readonly id: number;
  /** Client listener (SASL/SCRAM); the controller listener is the port after it. */
  readonly port: number;
  readonly controllerPort: number;
  /** The JMX exporter agent's /metrics. */
  readonly metricsPort: number;
}

export interface StackConfig {
  readonly repoRoot: string;
  /** Everything the stack writes: fetched jars, data, logs, pid files. Ignored by git. */
  readonly dir: string;
  readonly jvmDir: string;
  readonly logDir: string;
  readonly runDir: string;
  /** Set when the user brings their own PostgreSQL; the project cluster is then not started. */
  readonly externalDatabaseUrl: string | undefined;
  readonly pgPort: number;
  readonly pgUser: string;
  /** The Kafka nodes (combined broker and controller): STACK_KAFKA_NODES of them, default 3. */
  readonly kafkaNodes: readonly KafkaNode[];
  readonly connectPort: number;
  readonly registryPort: number;
  readonly registryManagementPort: number;
  /** The JMX exporter agent's /metrics of Connect (each Kafka node has its own), and Prometheus. */
  readonly connectMetricsPort: number;
  readonly prometheusPort: number;
  /** How long `up` waits for one service before it gives up, in ms. */
  readonly readyTimeoutMs: number;
}

export function stackConfig(): StackConfig {
  const dir = stackDir();
  return Object.freeze({
    repoRoot,
    dir,
    jvmDir: path.join(dir, 'jvm'),
    logDir: path.join(dir, 'logs'),
    runDir: path.join(dir, 'run'),
    externalDatabaseUrl: readIfSet(DATABASE_URL),
    pgPort: read(STACK_PG_PORT),
    pgUser: read(STACK_PG_OS_USER),
    kafkaNodes: localKafkaPorts().map((port, i) => ({
      id: i + 1,
      port,
      controllerPort: port + 1,
      metricsPort: read(KAFKA_METRICS_PORT) + 2 * i,
    })),
    connectPort: read(CONNECT_PORT),
    registryPort: read(REGISTRY_PORT),
    registryManagementPort: read(REGISTRY_MANAGEMENT_PORT),
    connectMetricsPort: read(CONNECT_METRICS_PORT),
    prometheusPort: read(PROMETHEUS_PORT),
    readyTimeoutMs: read(STACK_READY_TIMEOUT_MS),
  });
}

/** The database URL of the stack's PostgreSQL for a given database name. */
export function stackDatabaseUrl(cfg: StackConfig, database: string): string {
  if (cfg.externalDatabaseUrl) {
    const u = new URL(cfg.externalDatabaseUrl);
    u.pathname = `/${database}`;
    return u.toString();
  }
  return localDatabaseUrl(database, cfg.pgPort);
}
