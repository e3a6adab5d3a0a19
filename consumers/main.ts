/** A consumer service: `npm run consumer -- <group>`. Stops after the event in flight on SIGTERM/SIGINT. */
import { createLogger } from '../lib/logger.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';
import { runService } from '../lib/service/run-service.js';
import { consumerConfig, parseGroup } from './config.js';
import { startConsumerService } from './consumer-service.js';
import { serviceDefinition } from './services.js';

const name = process.argv[2] ?? '';
const logger = createLogger(name || 'consumer');

runService({
  name: name || 'consumer',
  logger,
  stoppingMessage: 'consumer stopping after the event in flight',
  start: async () => {
    installKafkajsPatches();
    const group = parseGroup(name);
    return startConsumerService(await serviceDefinition(group), consumerConfig(group), logger);
  },
});
