/**
 * The Debezium relay's process under `npm start` (RELAY=debezium): registers the connector (setup
 * SQL, slot and handover, create-or-update, wait for RUNNING), then runs the outbox janitor until
 * SIGTERM/SIGINT. The publishing itself happens in Kafka Connect, which keeps running when this
 * process stops. A failed registration exits non-zero, which stops `npm start` with the reason.
 */
import pg from 'pg';
import { createLogger } from '../lib/logger.js';
import { janitorSettingsFromEnv, OutboxJanitor, runJanitorUntilSignal } from './outbox-janitor.js';
import { debeziumRelayOptionsFromEnv, registerDebeziumRelay } from './register.js';

const logger = createLogger('debezium-relay');

async function main(): Promise<void> {
  const opts = debeziumRelayOptionsFromEnv({ log: (m) => logger.info(m) });
  await registerDebeziumRelay(opts);
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 2, application_name: 'debezium-janitor' });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection failed'));
  const settings = janitorSettingsFromEnv();
  runJanitorUntilSignal(new OutboxJanitor({ pool, slotName: opts.names.slotName, logger, ...settings }), pool, logger);
  logger.info({ slotName: opts.names.slotName, ...settings }, 'Debezium relay registered; janitor running');
}

main().catch((err: Error) => {
  logger.fatal({ err: err.message }, 'Debezium relay failed to start');
  process.exit(1);
});
