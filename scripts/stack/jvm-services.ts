/**
 * The JVM services of the stack, run from the jars `fetch.ts` put in `.stack/jvm`: the Kafka nodes
 * (kafka-nodes.ts), a Kafka Connect worker (distributed mode, so connectors are managed over
 * REST and their offsets live in Kafka) with the Debezium plugin, and Apicurio Registry storing
 * its schemas in PostgreSQL so schema ids survive restarts. Heaps are bounded: without -Xmx each
 * JVM would reserve a quarter of the machine's memory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CONNECT_HEAP_OPTS,
  KAFKA_HEAP_OPTS,
  KAFKA_JAVA_HOME,
  read,
  readIfSet,
  REGISTRY_DATABASE_URL,
  REGISTRY_HEAP_OPTS,
  REGISTRY_JAVA_HOME,
  SCHEMA_REGISTRY_URL,
} from '../../lib/config/settings.js';
import { clientSasl, replicationFactor } from './kafka-nodes.js';
import { findJava } from './java.js';
import { killProcess, runningPid, startDetached, stopProcess } from './processes.js';
import type { StackConfig } from './stack-config.js';
import { stackDatabaseUrl } from './stack-config.js';
import type { StackService } from './stack-service.js';

export const LOG4J = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
`;

export function writeConf(cfg: StackConfig, name: string, text: string): string {
  const dir = path.join(cfg.dir, 'conf');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

export function jvmService(
  cfg: StackConfig,
  name: string,
  isReady: () => Promise<boolean>,
  launch: () => { command: string; args: string[]; cwd: string; env?: NodeJS.ProcessEnv },
): StackService {
  const pidFile = path.join(cfg.runDir, `${name}.pid`);
  const logFile = path.join(cfg.logDir, `${name}.log`);
  return {
    name,
    logFile,
    isReady,
    isRunning: () => runningPid(pidFile) !== undefined,
    async start() {
      startDetached({ ...launch(), logFile, pidFile });
    },
    stop: () => stopProcess(pidFile),
    async kill() {
      killProcess(pidFile);
    },
  };
}

/**
 * The Prometheus JMX exporter as a Java agent serving `/metrics` on `port`, with the rules the Helm
 * chart gives Strimzi (one file, so local and Kubernetes dashboards show the same series).
 */
export const JMX_RULES_FILE = ['k8s', 'charts', 'todo-platform', 'files', 'jmx-exporter-rules.yaml'];

export function jmxAgent(cfg: StackConfig, port: number): string {
  const jar = path.join(cfg.jvmDir, 'jmx-exporter', 'jmx_prometheus_javaagent-1.0.1.jar');
  return `-javaagent:${jar}=127.0.0.1:${port}:${path.join(cfg.repoRoot, ...JMX_RULES_FILE)}`;
}

/** A JVM's heap flags (KAFKA_HEAP_OPTS and the like), with the collector that suits a small heap. */
export function heap(setting: typeof KAFKA_HEAP_OPTS): string[] {
  return [...read(setting).split(/\s+/).filter(Boolean), '-XX:+UseSerialGC'];
}

export function connectService(cfg: StackConfig): StackService {
  const base = `http://127.0.0.1:${cfg.connectPort}`;
  return jvmService(
    cfg,
    'connect',
    async () => {
      const res = await fetch(`${base}/connector-plugins`);
      if (!res.ok) return false;
      const plugins = (await res.json()) as { class: string }[];
      return plugins.some((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector');
    },
    () => {
      const java = findJava(17, KAFKA_JAVA_HOME);
      const log4j = writeConf(cfg, 'log4j2.properties', LOG4J);
      const props = writeConf(
        cfg,
        'connect.properties',
        [
          `bootstrap.servers=${cfg.kafkaNodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
          // Connect authenticates as its own principal for its worker, producer, consumer and admin.
          ...['', 'producer.', 'consumer.', 'admin.'].flatMap((prefix) => clientSasl(prefix, 'connect')),
          // Debezium's records: every replica acknowledges, and a retried send is not doubled.
          'producer.acks=all',
          'producer.enable.idempotence=true',
          'group.id=todo-connect',
          `listeners=http://127.0.0.1:${cfg.connectPort}`,
          'rest.advertised.host.name=127.0.0.1',
          `rest.advertised.port=${cfg.connectPort}`,
          'config.storage.topic=todo-connect-configs',
          'offset.storage.topic=todo-connect-offsets',
          'status.storage.topic=todo-connect-status',
          `config.storage.replication.factor=${replicationFactor(cfg)}`,
          `offset.storage.replication.factor=${replicationFactor(cfg)}`,
          `status.storage.replication.factor=${replicationFactor(cfg)}`,
          'offset.storage.partitions=1',
          'status.storage.partitions=1',
          // A short flush interval narrows the window of re-sent records after a crash.
          'offset.flush.interval.ms=1000',
          'key.converter=org.apache.kafka.connect.storage.StringConverter',
          // The outbox holds final Confluent wire bytes: pass them through untouched.
          'value.converter=io.debezium.converters.BinaryDataConverter',
          'header.converter=org.apache.kafka.connect.storage.StringConverter',
          `plugin.path=${path.join(cfg.jvmDir, 'debezium')}`,
          'plugin.discovery=service_load',
          '',
        ].join('\n'),
      );
      return {
        command: java,
        args: [
          ...heap(CONNECT_HEAP_OPTS),
          jmxAgent(cfg, cfg.connectMetricsPort),
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          path.join(cfg.jvmDir, 'kafka', '*'),
          'org.apache.kafka.connect.cli.ConnectDistributed',
          props,
        ],
        cwd: cfg.dir,
      };
    },
  );
}

/** Base URL of the registry's Confluent-compatible API. */
export function registryUrl(cfg: StackConfig): string {
  return readIfSet(SCHEMA_REGISTRY_URL) ?? `http://127.0.0.1:${cfg.registryPort}/apis/ccompat/v7`;
}

export function registryService(cfg: StackConfig): StackService {
  return jvmService(
    cfg,
    'registry',
    async () => (await fetch(`${registryUrl(cfg)}/subjects`)).ok,
    () => {
      const db = new URL(read(REGISTRY_DATABASE_URL, stackDatabaseUrl(cfg, 'registry')));
      const dir = path.join(cfg.jvmDir, 'registry');
      return {
        command: findJava(21, REGISTRY_JAVA_HOME),
        args: [
          ...heap(REGISTRY_HEAP_OPTS),
          '-Dquarkus.http.host=127.0.0.1',
          `-Dquarkus.http.port=${cfg.registryPort}`,
          '-Dquarkus.management.host=127.0.0.1',
          `-Dquarkus.management.port=${cfg.registryManagementPort}`,
          // FULL: new readers read old data (BACKWARD) and old readers read new data, so removing a
          // field without a default is refused too. The registration client asks for the same level.
          '-Dapicurio.rules.global.compatibility=FULL',
          '-jar',
          'quarkus-run.jar',
        ],
        cwd: dir,
        env: {
          ...process.env,
          APICURIO_STORAGE_KIND: 'sql',
          APICURIO_STORAGE_SQL_KIND: 'postgresql',
          APICURIO_DATASOURCE_URL: `jdbc:postgresql://${db.host}${db.pathname}`,
          APICURIO_DATASOURCE_USERNAME: decodeURIComponent(db.username || 'postgres'),
          APICURIO_DATASOURCE_PASSWORD: decodeURIComponent(db.password || 'postgres'),
        },
      };
    },
  );
}
