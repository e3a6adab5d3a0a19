/** Provisioning creates the architecture's topics exactly, corrects drift, and is idempotent. */
import kafkajs from 'kafkajs';
import { provisionAllTopics } from '../../scripts/provision-topics.js';
import { topicSpecs, TOPICS } from '../../lib/topics.js';
import { testKafka } from '../helpers/kafka.js';

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
    expect(again).toEqual({ created: [], partitionsRaised: [], configsCorrected: [], warnings: [] });
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
    expect((await configOf(TOPICS.reminders))['retention.ms']).toBe('1000');
    const report = await provisionAllTopics();
    expect(report.configsCorrected).toEqual([TOPICS.reminders]);
    expect((await configOf(TOPICS.reminders))['retention.ms']).toBe(String(3 * 24 * 3600 * 1000));
  });
});
