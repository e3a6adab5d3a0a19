/**
 * `npm run tail -- <topic> [--from-beginning]`: prints each record of a topic as it arrives, with
 * its value decoded through the schema registry (or a marker saying why it could not be).
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';

function usage(problem: string): never {
  console.error(`tail: ${problem}\nusage: npm run tail -- <topic> [--from-beginning]`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fromBeginning = args.includes('--from-beginning');
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--from-beginning');
  if (unknown.length > 0) usage(`unknown option ${unknown[0]}`);
  const topic = args.find((a) => !a.startsWith('--'));
  if (!topic) usage('missing the topic name');

  const cfg = connectionConfig();
  const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: 'tail', principal: 'operator' });
  const admin = kafka.admin();
  await admin.connect();
  const topics = await admin.listTopics();
  await admin.disconnect();
  if (!topics.includes(topic))
    usage(`topic "${topic}" does not exist (known: ${topics.filter((t) => !t.startsWith('_')).join(', ')})`);

  const registry = new SchemaRegistry({ host: cfg.schemaRegistryUrl });
  const consumer = kafka.consumer({ groupId: `tail-${randomUUID()}` });
  const stop = async () => {
    await consumer.disconnect();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  console.error(`[tail] ${topic}${fromBeginning ? ' from the beginning' : ''}; Ctrl-C to stop`);
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
      let value: unknown;
      try {
        value = message.value ? await registry.decode(message.value) : null;
      } catch (err) {
        value = `<undecodable: ${(err as Error).message}>`;
      }
      console.log(
        JSON.stringify(
          { partition, offset: message.offset, key: message.key?.toString() ?? null, headers, value },
          (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
        ),
      );
    },
  });
}

main().catch((err: Error) => {
  console.error(`[tail] ${err.message}`);
  process.exit(1);
});
