/**
 * The stack's Kafka: STACK_KAFKA_NODES KRaft nodes (default 3; 1 is the small form), each both
 * broker and controller, on loopback. Clients and brokers authenticate with SASL/SCRAM-SHA-512 as
 * the principals of lib/kafka/kafka-credentials.ts, whose passwords are generated on the first
 * start into `<stack>/kafka-users.json` (0600) and written into each node's metadata when it is
 * formatted; the controller listener uses SASL/PLAIN with the admin principal (SCRAM credentials
 * live in the metadata the controllers serve, so they cannot guard it). The StandardAuthorizer denies
 * whatever no ACL allows (kafka-acls.ts). Topics, internal ones included, are replicated
 * min(3, nodes) times with min.insync.replicas min(2, nodes).
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_HEAP_OPTS, KAFKA_JAVA_HOME } from '../../lib/config/settings.js';
import { createKafka } from '../../lib/kafka/kafka-client.js';
import {
  KAFKA_PRINCIPALS,
  kafkaUsersFile,
  localKafkaUsers,
  type KafkaPrincipal,
} from '../../lib/kafka/kafka-credentials.js';
import { findJava } from './java.js';
import { heap, jmxAgent, jvmService, LOG4J, writeConf } from './jvm-services.js';
import type { KafkaNode, StackConfig } from './stack-config.js';
import type { StackService } from './stack-service.js';

export function replicationFactor(cfg: StackConfig): number {
  return Math.min(3, cfg.kafkaNodes.length);
}

export function minInsyncReplicas(cfg: StackConfig): number {
  return Math.min(2, cfg.kafkaNodes.length);
}

/** The principals' passwords, generated once per stack folder. */
export function ensureKafkaUsers(): Record<KafkaPrincipal, string> {
  const existing = localKafkaUsers();
  if (existing && KAFKA_PRINCIPALS.every((p) => existing[p])) return existing;
  const users = Object.fromEntries(
    KAFKA_PRINCIPALS.map((p) => [p, existing?.[p] ?? randomBytes(18).toString('base64url')]),
  ) as Record<KafkaPrincipal, string>;
  const file = kafkaUsersFile();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return users;
}

function scramJaas(username: string, password: string): string {
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`;
}

/** Client settings (`prefix` e.g. `producer.`) of a JVM client authenticating as `principal`. */
export function clientSasl(prefix: string, principal: KafkaPrincipal): string[] {
  const password = ensureKafkaUsers()[principal];
  return [
    `${prefix}security.protocol=SASL_PLAINTEXT`,
    `${prefix}sasl.mechanism=SCRAM-SHA-512`,
    `${prefix}sasl.jaas.config=${scramJaas(principal, password)}`,
  ];
}

function nodeProperties(cfg: StackConfig, node: KafkaNode, dataDir: string): string[] {
  const admin = ensureKafkaUsers().admin;
  const rf = replicationFactor(cfg);
  const minIsr = minInsyncReplicas(cfg);
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${cfg.kafkaNodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}`,
    `listeners=SASL_PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-512',
    `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${scramJaas('admin', admin)}`,
    'sasl.mechanism.controller.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${admin}" user_admin="${admin}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users=User:admin',
    'allow.everyone.if.no.acl.found=false',
    `log.dirs=${dataDir}`,
    // Topics are a contract: provisioning creates them, a typo must not.
    'auto.create.topics.enable=false',
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${minIsr}`,
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${rf}`,
    'offsets.topic.num.partitions=1',
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'group.initial.rebalance.delay.ms=0',
    // A node restarted after a crash (SIGKILL, as the chaos run does) is refused as a duplicate
    // registration until its previous session expires: the default 9 s session made every such
    // restart ~5 s longer. 4 s with a heartbeat each second still leaves room for a GC pause.
    'broker.heartbeat.interval.ms=1000',
    'broker.session.timeout.ms=4000',
    // The relay's DLQ test needs a record the broker refuses as too large: keep the default
    // 1 MiB limit explicit.
    'message.max.bytes=1048588',
    '',
  ];
}

function clusterId(cfg: StackConfig, java: string, classpath: string): string {
  const idFile = path.join(cfg.dir, 'kafka', 'cluster-id');
  if (!existsSync(idFile)) {
    mkdirSync(path.dirname(idFile), { recursive: true });
    const id = execFileSync(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .pop()!;
    writeFileSync(idFile, id);
  }
  return readFileSync(idFile, 'utf8').trim();
}

/** The name of node `id`'s service, pid file and log. */
export function kafkaNodeName(id: number): string {
  return `kafka-${id}`;
}

/** Which nodes the layout on disk was formatted for; a different layout is formatted anew. */
function layoutTag(cfg: StackConfig): string {
  return `nodes=${cfg.kafkaNodes.map((n) => `${n.id}@${n.controllerPort}`).join(',')};auth=scram`;
}

function kafkaNodeService(cfg: StackConfig, node: KafkaNode): StackService {
  const classpath = path.join(cfg.jvmDir, 'kafka', '*');
  const dataDir = path.join(cfg.dir, 'kafka', kafkaNodeName(node.id));
  return jvmService(
    cfg,
    kafkaNodeName(node.id),
    async () => {
      const admin = createKafka({
        brokers: [`127.0.0.1:${node.port}`],
        clientId: 'stack',
        principal: 'admin',
        quiet: true,
        retries: 0,
      }).admin();
      try {
        await admin.connect();
        const c = await admin.describeCluster();
        return c.brokers.some((b) => b.nodeId === node.id);
      } finally {
        await admin.disconnect();
      }
    },
    () => {
      const java = findJava(17, KAFKA_JAVA_HOME);
      const log4j = writeConf(cfg, 'log4j2.properties', LOG4J);
      const props = writeConf(
        cfg,
        `${kafkaNodeName(node.id)}.properties`,
        nodeProperties(cfg, node, dataDir).join('\n'),
      );
      // A formatted log dir has its meta.properties; formatting again would cost a whole JVM start
      // (seconds on a busy machine, and every restart after a chaos SIGKILL would wait for it).
      const tagFile = path.join(cfg.dir, 'kafka', 'layout');
      const tag = layoutTag(cfg);
      if (!existsSync(tagFile) || readFileSync(tagFile, 'utf8') !== tag) {
        // No layout yet, another node count, or an older unauthenticated one: start over (local data only).
        rmSync(path.join(cfg.dir, 'kafka'), { recursive: true, force: true });
      }
      if (!existsSync(path.join(dataDir, 'meta.properties'))) {
        mkdirSync(dataDir, { recursive: true });
        const users = ensureKafkaUsers();
        const scram = KAFKA_PRINCIPALS.flatMap((p) => [
          '--add-scram',
          `SCRAM-SHA-512=[name=${p},password=${users[p]}]`,
        ]);
        execFileSync(
          java,
          [
            `-Dlog4j2.configurationFile=${log4j}`,
            '-cp',
            classpath,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            clusterId(cfg, java, classpath),
            '-c',
            props,
            ...scram,
          ],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        writeFileSync(tagFile, tag);
      }
      return {
        command: java,
        args: [
          ...heap(KAFKA_HEAP_OPTS),
          jmxAgent(cfg, node.metricsPort),
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          props,
        ],
        cwd: cfg.dir,
      };
    },
  );
}

/** One service per node, for what concerns a single node (a chaos kill, a leader's restart). */
export function kafkaNodeServices(cfg: StackConfig): StackService[] {
  return cfg.kafkaNodes.map((n) => kafkaNodeService(cfg, n));
}

/**
 * The whole cluster as one service: started together (a node is ready only once a quorum of
 * controllers runs), stopped and killed together (a full Kafka outage).
 */
export function kafkaService(cfg: StackConfig): StackService & { nodes: StackService[] } {
  const nodes = kafkaNodeServices(cfg);
  return {
    name: 'kafka',
    nodes,
    logFile: nodes[0]!.logFile.replace(/kafka-1\.log$/, 'kafka-<n>.log'),
    async isReady() {
      return (await Promise.all(nodes.map((n) => n.isReady().catch(() => false)))).every(Boolean);
    },
    // Running only when every node runs, so `up` starts a node that is missing.
    isRunning: () => nodes.every((n) => n.isRunning()),
    async start() {
      for (const n of nodes) if (!n.isRunning()) await n.start();
    },
    async stop() {
      return (await Promise.all(nodes.map((n) => n.stop()))).some(Boolean);
    },
    async kill() {
      await Promise.all(nodes.map((n) => n.kill()));
    },
  };
}
