/**
 * Idempotent topic provisioning: creates missing topics, raises partition counts and replica counts
 * that are too low, and puts retention, cleanup policy, min.insync.replicas, unclean leader
 * election and extra configs back where drift moved them. It never deletes
 * a topic and never lowers partitions (Kafka cannot), so no data is lost by running it.
 */
import kafkajs, { type Admin } from 'kafkajs';
import type { TopicSpec } from '../topics.js';

// kafkajs is CommonJS: its enums are reachable through the default export only under ESM.
const { ConfigResourceTypes } = kafkajs;

export interface ProvisionReport {
  created: string[];
  partitionsRaised: string[];
  configsCorrected: string[];
  /** Topics whose partitions had fewer replicas than the replication factor, given more. */
  replicationRaised: string[];
  /** Drift provisioning cannot fix (more partitions than the table asks for). */
  warnings: string[];
}

/**
 * Every topic's configs: its retention, and the replication guarantees of the architecture
 * (`acks=all` waits for min.insync.replicas, 2 of 3; an out-of-sync replica never becomes leader).
 */
function desiredConfig(spec: TopicSpec, replicationFactor: number): Record<string, string> {
  return {
    'cleanup.policy': 'delete',
    'retention.ms': String(spec.retentionMs),
    'min.insync.replicas': String(Math.min(2, replicationFactor)),
    'unclean.leader.election.enable': 'false',
    ...spec.extraConfig,
  };
}

export async function provisionTopics(admin: Admin, specs: TopicSpec[]): Promise<ProvisionReport> {
  const report: ProvisionReport = {
    created: [],
    partitionsRaised: [],
    configsCorrected: [],
    replicationRaised: [],
    warnings: [],
  };
  const { brokers } = await admin.describeCluster();
  const replicationFactor = Math.min(3, brokers.length);
  const brokerIds = brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const existing = new Set(await admin.listTopics());

  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor,
        configEntries: Object.entries(desiredConfig(s, replicationFactor)).map(([name, value]) => ({ name, value })),
      })),
    });
    report.created.push(...missing.map((s) => s.name));
  }

  const present = specs.filter((s) => existing.has(s.name));
  if (present.length === 0) return report;
  const meta = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
  const raise: { topic: string; count: number }[] = [];
  for (const s of present) {
    const have = meta.topics.find((t) => t.name === s.name)?.partitions.length ?? 0;
    if (have < s.partitions) raise.push({ topic: s.name, count: s.partitions });
    if (have > s.partitions)
      report.warnings.push(`${s.name} has ${have} partitions, the table says ${s.partitions}; Kafka cannot lower it`);
  }
  if (raise.length > 0) {
    await admin.createPartitions({ topicPartitions: raise });
    report.partitionsRaised.push(...raise.map((r) => r.topic));
  }

  // Replicas added to partitions that have too few (a topic created on a smaller cluster, or
  // changed by hand); the current replicas stay, so the leader and its data do not move.
  const reassign: { topic: string; partitionAssignment: { partition: number; replicas: number[] }[] }[] = [];
  for (const t of meta.topics) {
    const partitions = t.partitions
      .filter((p) => p.replicas.length < replicationFactor)
      .map((p) => {
        const extra = brokerIds.filter((id) => !p.replicas.includes(id));
        const start = p.partitionId % Math.max(1, extra.length);
        const rotated = [...extra.slice(start), ...extra.slice(0, start)];
        return { partition: p.partitionId, replicas: [...p.replicas, ...rotated].slice(0, replicationFactor) };
      });
    if (partitions.length > 0) reassign.push({ topic: t.name, partitionAssignment: partitions });
  }
  if (reassign.length > 0) {
    await admin.alterPartitionReassignments({ topics: reassign });
    report.replicationRaised.push(...reassign.map((r) => r.topic));
  }

  const drifted = await driftedConfigs(admin, present, replicationFactor);
  if (drifted.length > 0) {
    await correctConfigs(admin, drifted, replicationFactor);
    report.configsCorrected.push(...drifted.map((s) => s.name));
  }
  return report;
}

async function driftedConfigs(admin: Admin, specs: TopicSpec[], replicationFactor: number): Promise<TopicSpec[]> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name })),
  });
  return specs.filter((s) => {
    const entries = described.resources.find((r) => r.resourceName === s.name)?.configEntries ?? [];
    return Object.entries(desiredConfig(s, replicationFactor)).some(
      ([k, v]) => entries.find((e) => e.configName === k)?.configValue !== v,
    );
  });
}

const CONFIG_VISIBLE_WITHIN_MS = 30_000;
/** How long a write may take to read back before it is sent again. */
const REWRITE_AFTER_MS = 2_000;

/**
 * Writes the configs and returns once the cluster answers with them. Under load an accepted
 * AlterConfigs was seen not to show for over 10 s (issued beside a reassignment, answered by a
 * broker whose metadata lagged), so the write is repeated until it reads back.
 */
async function correctConfigs(admin: Admin, drifted: TopicSpec[], replicationFactor: number): Promise<void> {
  const started = Date.now();
  for (let pending = drifted; ;) {
    // AlterConfigs replaces a topic's whole dynamic config set; desiredConfig is that whole set.
    await admin.alterConfigs({
      validateOnly: false,
      resources: pending.map((s) => ({
        type: ConfigResourceTypes.TOPIC,
        name: s.name,
        configEntries: Object.entries(desiredConfig(s, replicationFactor)).map(([name, value]) => ({ name, value })),
      })),
    });
    for (const rewriteAt = Date.now() + REWRITE_AFTER_MS; Date.now() < rewriteAt;) {
      await new Promise((r) => setTimeout(r, 200));
      pending = await driftedConfigs(admin, pending, replicationFactor);
      if (pending.length === 0) return;
      if (Date.now() - started > CONFIG_VISIBLE_WITHIN_MS)
        throw new Error(
          `topic configs not visible ${Date.now() - started} ms after AlterConfigs: ${pending.map((s) => s.name).join(', ')}`,
        );
    }
  }
}
