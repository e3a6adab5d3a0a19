/** Provisioning creates the architecture's topics exactly, corrects drift, and is idempotent. */
import kafkajs from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { provisionTopics } from '../../lib/kafka/provision-topics.js';
import { provisionAllTopics } from '../../scripts/provision-topics.js';
import { topicSpecs, TOPICS } from '../../lib/topics.js';
import { testKafka } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

const { ConfigResourceTypes } = kafkajs;

describe('topic provisioning', () => {
  const admin = testKafka('provision-test').admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  async function configOf(topic: string): Promise<Record<string, string>> {
    const d = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    return Object.fromEntries(d.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  }

  it("creates every topic with the table's partitions, retention and cleanup policy", async () => {
    await provisionAllTopics();
    const specs = topicSpecs();
    expect(specs.map((s) => s.name)).toEqual(
      expect.arrayContaining([TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast, 'todo.audit-log-cg.dlq']),
    );
    const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.name) });
    for (const s of specs) {
      const t = meta.topics.find((m) => m.name === s.name);
      expect({ topic: s.name, partitions: t?.partitions.length }).toEqual({ topic: s.name, partitions: s.partitions });
      const cfg = await configOf(s.name);
      expect({ topic: s.name, retention: cfg['retention.ms'], policy: cfg['cleanup.policy'] }).toEqual({
        topic: s.name,
        retention: String(s.retentionMs),
        policy: 'delete',
      });
    }
    expect(meta.topics.find((t) => t.name === TOPICS.tasks)?.partitions).toHaveLength(6);
  });

  it('changes nothing when run again', async () => {
    await provisionAllTopics();
    const again = await provisionAllTopics();
    expect(again).toEqual({
      created: [],
      partitionsRaised: [],
      configsCorrected: [],
      replicationRaised: [],
      warnings: [],
    });
  });

  it('puts a retention changed by hand back without touching data', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: TOPICS.reminders,
          configEntries: [
            { name: 'retention.ms', value: '1000' },
            { name: 'cleanup.policy', value: 'delete' },
          ],
        },
      ],
    });
    // KRaft brokers apply config changes from the metadata log a moment apart, and each admin request
    // may land on a different broker: wait until the change is seen, and let provisioning retry a read
    // that was still stale, before judging what it corrected.
    await waitFor(async () => (await configOf(TOPICS.reminders))['retention.ms'] === '1000', {
      what: 'hand-set retention visible',
    });
    const report = await waitFor(
      async () => {
        const r = await provisionAllTopics();
        return r.configsCorrected.length > 0 && r;
      },
      { what: 'provisioning to notice the hand-set retention' },
    );
    expect(report.configsCorrected).toEqual([TOPICS.reminders]);
    await waitFor(async () => (await configOf(TOPICS.reminders))['retention.ms'] === String(3 * 24 * 3600 * 1000), {
      what: 'retention put back',
    });
  });

  it('reports and corrects replication settings that drifted: replicas, min.insync.replicas, unclean election', async () => {
    const { brokers } = await admin.describeCluster();
    const rf = Math.min(3, brokers.length);
    const spec = { name: `todo.test.drift-${randomUUID()}`, partitions: 2, retentionMs: 3_600_000, extraConfig: {} };
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: spec.name,
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            { name: 'min.insync.replicas', value: '1' },
            { name: 'unclean.leader.election.enable', value: 'true' },
          ],
        },
      ],
    });
    try {
      const report = await provisionTopics(admin, [spec]);
      expect(report.configsCorrected).toEqual([spec.name]);
      expect(report.replicationRaised).toEqual(rf > 1 ? [spec.name] : []);
      const wanted = [String(Math.min(2, rf)), 'false'];
      const seen = async () => {
        const cfg = await configOf(spec.name);
        return [cfg['min.insync.replicas'], cfg['unclean.leader.election.enable']];
      };
      await waitFor(async () => JSON.stringify(await seen()) === JSON.stringify(wanted), { timeoutMs: 10_000 }).catch(
        () => undefined,
      );
      expect(await seen()).toEqual(wanted);
      // The reassignment completes in the background: every partition ends with rf replicas in sync.
      const deadline = Date.now() + 60_000;
      let isr: number[] = [];
      do {
        const meta = await admin.fetchTopicMetadata({ topics: [spec.name] });
        isr = meta.topics[0]!.partitions.map((p) => Math.min(p.replicas.length, p.isr.length));
        if (isr.every((n) => n === rf)) break;
        await new Promise((r) => setTimeout(r, 500));
      } while (Date.now() < deadline);
      expect(isr).toEqual([rf, rf]);
      expect(await provisionTopics(admin, [spec])).toMatchObject({ configsCorrected: [], replicationRaised: [] });
    } finally {
      await admin.deleteTopics({ topics: [spec.name] });
    }
  });
});
