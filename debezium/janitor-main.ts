/**
 * The outbox janitor on its own: `tsx debezium/janitor-main.ts`. Deletes outbox rows the Debezium
 * connector has confirmed and that are older than DEBEZIUM_JANITOR_MAX_AGE_MS (default 60 s), every
 * DEBEZIUM_JANITOR_INTERVAL_MS, in batches of DEBEZIUM_JANITOR_BATCH_SIZE. DATABASE_URL and
 * DEBEZIUM_SLOT_NAME as for `npm run relay:debezium`. Run it only while Debezium is the relay.
 */
import pg from 'pg';
import { connectionConfig } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { defaultNames } from './connector.js';
import { janitorSettingsFromEnv, OutboxJanitor, runJanitorUntilSignal } from './outbox-janitor.js';

const logger = createLogger('debezium-janitor');

try {
  const { databaseUrl } = connectionConfig();
  const settings = janitorSettingsFromEnv();
  const { slotName } = defaultNames(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'debezium-janitor' });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection failed'));
  runJanitorUntilSignal(new OutboxJanitor({ pool, slotName, logger, ...settings }), pool, logger);
  logger.info({ slotName, ...settings }, 'janitor started');
} catch (err) {
  logger.fatal({ err }, 'janitor failed to start');
  process.exit(1);
}
