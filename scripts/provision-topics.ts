/** `npm run topics:provision`: creates or corrects every topic of the architecture's table. */
import { fileURLToPath } from 'node:url';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { provisionTopics, type ProvisionReport } from '../lib/kafka/provision-topics.js';
import { topicSpecs } from '../lib/topics.js';

export async function provisionAllTopics(
  brokers: string[] = connectionConfig().kafkaBrokers,
): Promise<ProvisionReport> {
  const admin = createKafka({ brokers, clientId: 'provision-topics', principal: 'operator' }).admin();
  await admin.connect();
  try {
    return await provisionTopics(admin, topicSpecs());
  } finally {
    await admin.disconnect();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  provisionAllTopics().then(
    (r) => {
      console.log(`[topics] created: ${r.created.join(', ') || 'none'}`);
      console.log(`[topics] partitions raised: ${r.partitionsRaised.join(', ') || 'none'}`);
      console.log(`[topics] configs corrected: ${r.configsCorrected.join(', ') || 'none'}`);
      console.log(`[topics] replicas added: ${r.replicationRaised.join(', ') || 'none'}`);
      for (const w of r.warnings) console.warn(`[topics] warning: ${w}`);
    },
    (err: Error) => {
      console.error(`[topics] provisioning failed: ${err.message}`);
      process.exit(1);
    },
  );
}
