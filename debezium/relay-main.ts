/**
 * The Debezium relay's process under `npm start` (RELAY=debezium): registers the connector (setup
 * SQL, slot and handover, create-or-update, wait for RUNNING), then runs the outbox janitor until
 * SIGTERM/SIGINT. The publishing itself happens in Kafka Connect, which keeps running when this
 * process stops. A failed registration exits non-zero, which stops `npm start` with the reason.
 */
import pg from 'pg';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { relayConfig } from '../relay/config.js';
import { registerReplicationSlotGauge } from '../lib/db/replication-slot-gauge.js';
import { createLogger } from '../lib/logger.js';
import { startProbeServer } from '../lib/service/probe-server.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';
import { runService } from '../lib/service/run-service.js';
import { janitorSettingsFromEnv, OutboxJanitor } from './outbox-janitor.js';
import { debeziumRelayOptionsFromEnv, registerDebeziumRelay } from './register.js';

const logger = createLogger('debezium-relay');

runService({
  name: 'Debezium relay',
  logger,
  stoppingMessage: 'janitor stopping',
  start: async () => {
    installKafkajsPatches();
    const opts = debeziumRelayOptionsFromEnv({ log: (m) => logger.info(m) });
    await registerDebeziumRelay(opts);
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 2, application_name: 'debezium-janitor' });
    pool.on('error', (err) => logger.warn({ err: err.message }, 'idle database connection failed'));
    const settings = janitorSettingsFromEnv();
    // The same probe and metrics port as the TypeScript relay, so monitoring sees a relay either way.
    const relay = relayConfig();
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    registerReplicationSlotGauge(registry, pool);
    const probes = await startProbeServer({
      host: relay.metricsHost,
      port: relay.metricsPort,
      registry,
      readiness: async () => ({
        ready: await pool.query('select 1').then(
          () => true,
          () => false,
        ),
      }),
    });
    const janitor = new OutboxJanitor({ pool, slotName: opts.names.slotName, logger, ...settings });
    janitor.start();
    logger.info({ slotName: opts.names.slotName, ...settings }, 'Debezium relay registered; janitor running');
    return {
      async stop() {
        await janitor.stop();
        await probes.close();
        await pool.end();
      },
    };
  },
});
