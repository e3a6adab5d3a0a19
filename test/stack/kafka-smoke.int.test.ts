/** The stack's broker and registry work together: an Avro TaskCreated goes out and comes back. */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { connectionConfig } from '../../lib/env.js';
import { TOPICS } from '../../lib/topics.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

describe('Kafka and the schema registry', () => {
  const kafka = testKafka('smoke');
  const registry = new SchemaRegistry({ host: connectionConfig().schemaRegistryUrl });
  let collector: TopicCollector;

  beforeAll(async () => {
    collector = await new TopicCollector(kafka, [TOPICS.tasks]).start(false);
  });
  afterAll(async () => collector.stop());

  it('round-trips an Avro TaskCreated through the real broker', async () => {
    const codec = new EventCodec(registry);
    await codec.resolveAll();
    const id = randomUUID();
    const payload = {
      id,
      user_id: 'smoke-user',
      title: 'buy milk',
      description: null,
      created_at: Date.now(),
      due_date: null,
      priority: 'High',
      tags: ['errands'],
      is_recurring_template: false,
      recurrence_pattern: null,
      template_id: null,
      occurrence_at: null,
      reminder_lead_minutes: null,
    };
    const value = await codec.encode('TaskCreated', payload);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: TOPICS.tasks,
      acks: -1,
      messages: [
        {
          key: id,
          value,
          headers: {
            'event-id': randomUUID(),
            'event-type': 'TaskCreated',
            'aggregate-version': '1',
            'occurred-at': new Date().toISOString(),
            traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
            'user-id': 'smoke-user',
          },
        },
      ],
    });
    await producer.disconnect();

    const got = await waitFor(() => collector.records.find((r) => r.key === id), { what: 'the record' });
    expect(got.headers['event-type']).toBe('TaskCreated');
    const decoded = (await registry.decode(got.value!)) as typeof payload;
    expect(decoded).toEqual(payload);
  });
});
