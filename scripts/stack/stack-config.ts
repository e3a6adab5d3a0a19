/**
 * Where the local stack lives and which ports it uses. Every value can be overridden by the
 * environment; the defaults are the ones the README documents.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { envInt, envOptional, envString, localKafkaPorts } from '../../lib/env.js';
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
    externalDatabaseUrl: envOptional('DATABASE_URL'),
    pgPort: envInt('STACK_PG_PORT', 5433, 1),
    pgUser: envString('STACK_PG_OS_USER', 'postgres'),
    kafkaNodes: localKafkaPorts().map((port, i) => ({
      id: i + 1,
      port,
      controllerPort: port + 1,
      metricsPort: envInt('KAFKA_METRICS_PORT', 9404, 1) + 2 * i,
    })),
    connectPort: envInt('CONNECT_PORT', 8083, 1),
    registryPort: envInt('REGISTRY_PORT', 8081, 1),
    registryManagementPort: envInt('REGISTRY_MANAGEMENT_PORT', 9081, 1),
    connectMetricsPort: envInt('CONNECT_METRICS_PORT', 9405, 1),
    prometheusPort: envInt('PROMETHEUS_PORT', 9090, 1),
    readyTimeoutMs: envInt('STACK_READY_TIMEOUT_MS', 180_000, 1000),
  });
}

/** The database URL of the stack's PostgreSQL for a given database name. */
export function stackDatabaseUrl(cfg: StackConfig, database: string): string {
  if (cfg.externalDatabaseUrl) {
    const u = new URL(cfg.externalDatabaseUrl);
    u.pathname = `/${database}`;
    return u.toString();
  }
  return `postgresql://postgres@127.0.0.1:${cfg.pgPort}/${database}`;
}
