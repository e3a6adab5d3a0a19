/** The TypeScript outbox relay: `npm run relay`. Stops after the batch in flight on SIGTERM/SIGINT. */
import { createLogger } from '../lib/logger.js';
import { relayConfig } from './config.js';
import { startRelayService } from './relay-service.js';

const logger = createLogger('relay');

async function main(): Promise<void> {
  const service = await startRelayService(relayConfig(), logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'relay stopping after the batch in flight');
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'relay did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'relay failed to start');
  process.exit(1);
});
