/**
 * The outbox janitor on its own: `npm run relay:debezium:janitor`. Deletes outbox rows the Debezium
 * connector has confirmed and that are older than DEBEZIUM_JANITOR_MAX_AGE_MS (default 60 s), every
 * DEBEZIUM_JANITOR_INTERVAL_MS, in batches of DEBEZIUM_JANITOR_BATCH_SIZE. DATABASE_URL and
 * DEBEZIUM_SLOT_NAME as for `npm run relay:debezium`. Run it only while Debezium is the relay.
 */
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { runService } from '../lib/service/run-service.js';
import { defaultNames } from './connector.js';
import { janitorSettingsFromEnv, OutboxJanitor } from './outbox-janitor.js';

const logger = createLogger('debezium-janitor');

runService({
  name: 'janitor',
  logger,
  start: async () => {
    const { databaseUrl } = connectionConfig();
    const settings = janitorSettingsFromEnv();
    const { slotName } = defaultNames(databaseUrl);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'debezium-janitor' });
    pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection failed'));
    const janitor = new OutboxJanitor({ pool, slotName, logger, ...settings });
    janitor.start();
    logger.info({ slotName, ...settings }, 'janitor started');
    return {
      async stop() {
        await janitor.stop();
        await pool.end();
      },
    };
  },
});
