/**
 * A consumer service in-process against a test database: a unique Kafka group id starting at the
 * latest offsets (so it sees only what the test writes), metrics on an ephemeral port, scheduler
 * ticks driven by the test (`service.tick()`), and an injectable clock.
 */
import { randomUUID } from 'node:crypto';
import { consumerConfig, type ConsumerConfig } from '../../consumers/config.js';
import {
  startConsumerService,
  type ConsumerServiceDefinition,
  type RunningConsumerService,
} from '../../consumers/consumer-service.js';
import { createLogger } from '../../lib/logger.js';

export async function startTestConsumer(
  def: ConsumerServiceDefinition,
  databaseUrl: string,
  opts: { config?: Partial<ConsumerConfig>; clock?: () => Date; kafkaGroupId?: string } = {},
): Promise<RunningConsumerService & { kafkaGroupId: string }> {
  const kafkaGroupId = opts.kafkaGroupId ?? `${def.group}-test-${randomUUID()}`;
  const config: ConsumerConfig = {
    ...consumerConfig(def.group),
    databaseUrl,
    metricsPort: 0,
    maxAttempts: 3,
    retryBaseMs: 20,
    retryMaxMs: 200,
    outageRetryMaxMs: 1000,
    ...opts.config,
  };
  const service = await startConsumerService(
    def,
    config,
    createLogger(def.group, process.env.TEST_LOG_LEVEL ?? 'silent'),
    {
      clock: opts.clock,
      scheduleTicks: false,
      fromBeginning: false,
      kafkaGroupId,
    },
  );
  // kafkajs joins the group asynchronously: give it a moment so records written next are seen.
  await new Promise((r) => setTimeout(r, 1500));
  return Object.assign(service, { kafkaGroupId });
}
