/**
 * Project rules that tie the manifests to the code's contracts: topics as lib/topics.ts declares
 * them (partitions, retention, configs, replication 3), consumers that never scale past the
 * partitions they can use, topic names in the ConfigMap, the Kafka cluster's durability settings.
 */
import { CONSUMED_TOPICS, CONSUMER_GROUPS, TOPICS, topicSpecs, type ConsumerGroup } from '../../lib/topics.js';
import { finding, subjectOf, type Finding, type K8sObject } from './model.js';

/** Replication factor of every topic (architecture: 3 in production; every render here is). */
export const REPLICATION_FACTOR = 3;
/** KEDA's default maxReplicaCount when a ScaledObject leaves it out. */
const KEDA_DEFAULT_MAX = 100;

/**
 * The largest replica count a group may reach: the smallest partition count among the topics it
 * reads (lib/topics.ts CONSUMED_TOPICS); replicas beyond it would idle on that topic.
 */
export function replicaBound(group: ConsumerGroup): number {
  const partitions = new Map(topicSpecs().map((s) => [s.name, s.partitions]));
  return Math.min(...CONSUMED_TOPICS[group].map((t) => partitions.get(t) ?? 1));
}

/** The config `npm run topics:provision` writes for a topic (lib/kafka/provision-topics.ts). */
function desiredConfig(name: string): Record<string, string> | undefined {
  const s = topicSpecs().find((t) => t.name === name);
  return s && { 'cleanup.policy': 'delete', 'retention.ms': String(s.retentionMs), ...s.extraConfig };
}

/**
 * KafkaTopics against lib/topics.ts: each table topic present once with its partitions, replicas
 * and exactly its config; nothing else but the `allowed` extras (name → partitions, config).
 */
export function checkTopics(
  objects: K8sObject[],
  allowed: Record<string, { partitions: number; config: Record<string, string> }> = {},
): Finding[] {
  const out: Finding[] = [];
  const kafkaTopics = objects.filter((o) => o.kind === 'KafkaTopic');
  const seen = new Set<string>();
  for (const o of kafkaTopics) {
    const name: string = o.spec?.topicName ?? o.metadata.name;
    const subject = `${subjectOf(o)} (${name})`;
    if (seen.has(name)) out.push(finding('topics', subject, 'declared twice'));
    seen.add(name);
    const spec = topicSpecs().find((t) => t.name === name);
    const want = spec
      ? { partitions: spec.partitions, config: desiredConfig(name)! }
      : allowed[name] && {
          partitions: allowed[name].partitions,
          config: { 'cleanup.policy': 'delete', ...allowed[name].config },
        };
    if (!want) {
      out.push(finding('topics', subject, 'not in lib/topics.ts: topics are a contract, add it there first'));
      continue;
    }
    if (o.spec?.partitions !== want.partitions)
      out.push(finding('topics', subject, `partitions ${o.spec?.partitions}, lib/topics.ts says ${want.partitions}`));
    if (o.spec?.replicas !== REPLICATION_FACTOR)
      out.push(finding('topics', subject, `replicas ${o.spec?.replicas}, must be ${REPLICATION_FACTOR}`));
    const have = Object.fromEntries(Object.entries(o.spec?.config ?? {}).map(([k, v]) => [k, String(v)]));
    for (const [k, v] of Object.entries(want.config)) {
      if (have[k] !== v)
        out.push(finding('topics', subject, `config ${k} is ${have[k] ?? 'unset'}, lib/topics.ts says ${v}`));
    }
    for (const k of Object.keys(have)) {
      if (!(k in want.config))
        out.push(
          finding(
            'topics',
            subject,
            `config ${k} is not in lib/topics.ts (topics:provision would remove it, and the operator put it back)`,
          ),
        );
    }
  }
  for (const s of topicSpecs())
    if (!seen.has(s.name)) out.push(finding('topics', `KafkaTopic ${s.name}`, 'missing: lib/topics.ts declares it'));
  return out;
}

/** The ConfigMap's topic names are the contract's. */
export function checkConfigMapTopics(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  const want = { TOPIC_TASKS: TOPICS.tasks, TOPIC_REMINDERS: TOPICS.reminders, TOPIC_BROADCAST: TOPICS.broadcast };
  for (const o of objects.filter((x) => x.kind === 'ConfigMap' && x.data && 'TOPIC_TASKS' in x.data)) {
    for (const [k, v] of Object.entries(want)) {
      if (o.data?.[k] !== v)
        out.push(finding('topics', subjectOf(o), `${k} is ${String(o.data?.[k])}, lib/topics.ts says ${v}`));
    }
  }
  return out;
}

function consumerGroupOf(d: K8sObject): ConsumerGroup | undefined {
  const args: string[] = d.spec?.template?.spec?.containers?.[0]?.args ?? [];
  return args[0] === 'consumer' && (CONSUMER_GROUPS as readonly string[]).includes(args[1] ?? '')
    ? (args[1] as ConsumerGroup)
    : undefined;
}

/**
 * Each group has a Deployment; its ScaledObject (or fixed replicas) never exceeds the group's
 * partition bound, never scales to zero, reads lag on exactly the group's topics, and keeps a
 * CPU trigger as the fallback.
 */
export function checkConsumers(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const scaled = objects.filter((o) => o.kind === 'ScaledObject');
  for (const group of CONSUMER_GROUPS) {
    const d = deployments.find((x) => consumerGroupOf(x) === group);
    if (!d) {
      out.push(finding('consumers', `consumer ${group}`, 'no Deployment runs it'));
      continue;
    }
    const bound = replicaBound(group);
    const so = scaled.find((s) => s.spec?.scaleTargetRef?.name === d.metadata.name);
    if (!so) {
      const replicas = d.spec?.replicas ?? 1;
      if (replicas > bound)
        out.push(
          finding(
            'max-replicas',
            subjectOf(d),
            `${replicas} replicas, more than the ${bound} partitions of ${CONSUMED_TOPICS[group].join(', ')}`,
          ),
        );
      continue;
    }
    const max = so.spec?.maxReplicaCount ?? KEDA_DEFAULT_MAX;
    if (max > bound) {
      out.push(
        finding(
          'max-replicas',
          subjectOf(so),
          `maxReplicaCount ${max} exceeds ${bound}, the smallest partition count of the topics ${group} reads (${CONSUMED_TOPICS[group].join(', ')})`,
        ),
      );
    }
    if ((so.spec?.minReplicaCount ?? 0) < 1)
      out.push(
        finding(
          'autoscaling',
          subjectOf(so),
          'minReplicaCount below 1: the group would stop (and its scheduler ticks with it)',
        ),
      );
    const triggers: any[] = so.spec?.triggers ?? [];
    const kafka = triggers.filter((t) => t.type === 'kafka');
    const topics = kafka.map((t) => t.metadata?.topic).sort();
    if (JSON.stringify(topics) !== JSON.stringify([...CONSUMED_TOPICS[group]].sort())) {
      out.push(
        finding(
          'autoscaling',
          subjectOf(so),
          `lag triggers on [${topics.join(', ')}], the group reads [${CONSUMED_TOPICS[group].join(', ')}]`,
        ),
      );
    }
    for (const t of kafka) {
      if (t.metadata?.consumerGroup !== group)
        out.push(
          finding(
            'autoscaling',
            subjectOf(so),
            `trigger ${t.name ?? '?'} reads group ${t.metadata?.consumerGroup}, not ${group}`,
          ),
        );
      if (t.metadata?.allowIdleConsumers === 'true')
        out.push(finding('max-replicas', subjectOf(so), 'allowIdleConsumers lets KEDA scale past the partitions'));
    }
    if (!triggers.some((t) => t.type === 'cpu'))
      out.push(finding('autoscaling', subjectOf(so), 'no CPU trigger as the fallback when lag cannot be read'));
  }
  return out;
}

/** KRaft with three nodes that each can lead, no auto-created topics, acks that survive a node. */
export function checkKafkaCluster(objects: K8sObject[]): Finding[] {
  const out: Finding[] = [];
  for (const k of objects.filter((o) => o.kind === 'Kafka')) {
    const pools = objects.filter(
      (o) => o.kind === 'KafkaNodePool' && o.metadata.labels?.['strimzi.io/cluster'] === k.metadata.name,
    );
    const count = (role: string) =>
      pools.filter((p) => (p.spec?.roles ?? []).includes(role)).reduce((n, p) => n + (p.spec?.replicas ?? 0), 0);
    if (count('controller') < 3)
      out.push(finding('kafka', subjectOf(k), `${count('controller')} KRaft controllers, need 3`));
    if (count('broker') < REPLICATION_FACTOR)
      out.push(
        finding(
          'kafka',
          subjectOf(k),
          `${count('broker')} brokers, fewer than the replication factor ${REPLICATION_FACTOR}`,
        ),
      );
    const cfg = k.spec?.kafka?.config ?? {};
    if (String(cfg['auto.create.topics.enable']) !== 'false')
      out.push(finding('kafka', subjectOf(k), 'auto.create.topics.enable must be false: topics are a contract'));
    if (Number(cfg['min.insync.replicas'] ?? 1) < 2)
      out.push(finding('kafka', subjectOf(k), 'min.insync.replicas below 2'));
  }
  return out;
}
