/** The TypeScript outbox relay: `npm run relay`. Stops after the batch in flight on SIGTERM/SIGINT. */
import { createLogger } from '../lib/logger.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';
import { runService } from '../lib/service/run-service.js';
import { relayConfig } from './config.js';
import { startRelayService } from './relay-service.js';

const logger = createLogger('relay');

runService({
  name: 'relay',
  logger,
  stoppingMessage: 'relay stopping after the batch in flight',
  start: () => {
    installKafkajsPatches();
    return startRelayService(relayConfig(), logger);
  },
});
