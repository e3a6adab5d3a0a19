/** A consumer service: `npm run consumer -- <group>`. Stops after the event in flight on SIGTERM/SIGINT. */
import { createLogger } from '../lib/logger.js';
import { consumerConfig, parseGroup } from './config.js';
import { startConsumerService } from './consumer-service.js';
import { serviceDefinition } from './services.js';

async function main(): Promise<void> {
  const group = parseGroup(process.argv[2]);
  const logger = createLogger(group);
  const service = await startConsumerService(await serviceDefinition(group), consumerConfig(group), logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'consumer stopping after the event in flight');
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'consumer did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: Error) => {
  console.error(`consumer: ${err.message}`);
  process.exit(1);
});
