/**
 * The brokers authenticate every client and deny what the ACL table does not allow: a consumer
 * group's principal cannot write the event topics, an unauthenticated client or a wrong password
 * cannot connect, the API's feed cannot read what it does not stream, and the relay can publish.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { connectionConfig } from '../../lib/env.js';
import { createKafka } from '../../lib/kafka/kafka-client.js';
import type { KafkaPrincipal } from '../../lib/kafka/kafka-credentials.js';
import { TOPICS } from '../../lib/topics.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { taskCreatedRecord } from '../helpers/task-records.js';
import { waitFor } from '../helpers/wait-for.js';

const brokers = connectionConfig().kafkaBrokers;

function clientAs(principal: KafkaPrincipal): Kafka {
  return createKafka({ brokers, clientId: `authz-${principal}`, principal, quiet: true, retries: 2 });
}

async function produceAs(kafka: Kafka, topic: string, key: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [await taskCreatedRecord(key)] });
  } finally {
    await producer.disconnect();
  }
}

describe('Kafka authentication and authorization', () => {
  it("refuses a consumer group's principal writing an event topic", async () => {
    const id = randomUUID();
    await expect(produceAs(clientAs('audit-log-cg'), TOPICS.tasks, id)).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
  });

  it('refuses an unauthenticated client and a wrong password', async () => {
    const anonymous = new Kafka({
      brokers,
      clientId: 'authz-anonymous',
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = anonymous.admin();
    await expect(admin.connect().then(() => admin.describeCluster())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);

    const wrong = new Kafka({
      brokers,
      clientId: 'authz-wrong-password',
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      sasl: { mechanism: 'scram-sha-512', username: 'relay', password: 'not-the-password' },
    }).admin();
    await expect(wrong.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    await wrong.disconnect().catch(() => undefined);
  });

  /** What happens to a consumer of `groupId` on `topic` as `principal`: it joins, or the error it stops with. */
  async function consumerOutcome(principal: KafkaPrincipal, groupId: string, topic: string): Promise<unknown> {
    // No restart after the crash: the refusal is the outcome, and nothing may run on after the test.
    const consumer = clientAs(principal).consumer({
      groupId,
      retry: { retries: 0, restartOnFailure: async () => false },
    });
    const settled = new Promise<unknown>((resolve) => {
      consumer.on(consumer.events.CRASH, (e: { payload: { error: unknown } }) => resolve(e.payload.error));
      // Joined and fetching: stopping earlier leaves kafkajs's offset lookups running past the test.
      consumer.on(consumer.events.FETCH_START, () => resolve('joined'));
    });
    try {
      await consumer.connect();
      // The refusal comes with the subscription's metadata (topic) or with the group's join (group).
      const started = consumer
        .subscribe({ topics: [topic] })
        .then(() => consumer.run({ eachMessage: async () => undefined }))
        .then(
          () => new Promise(() => undefined),
          (err: unknown) => err,
        );
      return await Promise.race([settled, started]);
    } finally {
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
    }
  }

  it("lets the API's feed read the broadcast topic with its own groups, and nothing else", async () => {
    expect(await consumerOutcome('api', `api-sse-authz-${randomUUID()}`, TOPICS.broadcast)).toBe('joined');
    expect(await consumerOutcome('api', `api-sse-authz-${randomUUID()}`, TOPICS.tasks)).toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    // The broker answers FindCoordinator with GROUP_AUTHORIZATION_FAILED; kafkajs reports it as no coordinator.
    expect(await consumerOutcome('api', `audit-log-cg-authz-${randomUUID()}`, TOPICS.broadcast)).toMatchObject({
      name: 'KafkaJSGroupCoordinatorNotFound',
    });
  });

  it('lets the relay publish to the event topics', async () => {
    const collector = await new TopicCollector(testKafka('authz-relay'), [TOPICS.tasks]).start(false);
    try {
      const id = randomUUID();
      await produceAs(clientAs('relay'), TOPICS.tasks, id);
      await waitFor(() => collector.records.some((r) => r.key === id), { what: "the relay's record" });
    } finally {
      await collector.stop();
    }
  });
});
