/**
 * `npm run relay:debezium`: makes Debezium the relay of DATABASE_URL's database (default in
 * lib/config/catalogue/connection.ts): setup SQL (role, grants, heartbeat table, publication),
 * replication slot and handover of rows committed before it, connector created or updated in Kafka
 * Connect, then waits until connector and task are RUNNING. Idempotent.
 *
 * `npm run relay:debezium -- drop`: removes the connector (and its offsets), the replication slot
 * and the publication. `npm run relay:debezium -- status`: the connector's state and the slot's lag.
 * See debezium/README.md for the environment variables and for switching relays.
 */
import pg from 'pg';
import { ConfigError } from '../lib/config/config-error.js';
import { connectorStatus, debeziumRelayOptionsFromEnv, dropConnector, registerDebeziumRelay } from './register.js';
import { redactUrl } from './connector.js';
import { installKafkajsPatches } from '../lib/patches/kafkajs.js';

const USAGE = 'usage: npm run relay:debezium [-- register | drop | status]';

async function status(): Promise<void> {
  const o = debeziumRelayOptionsFromEnv();
  const s = await connectorStatus(o.connectUrl, o.names.connectorName);
  console.log(
    `connector ${o.names.connectorName}: ${s ? `${s.connector.state}, tasks [${s.tasks.map((t) => t.state).join(', ')}]` : 'not registered'}`,
  );
  const c = new pg.Client({ connectionString: o.databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ active: boolean; lag: string | null }>(
      `SELECT active, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)) AS lag
         FROM pg_replication_slots WHERE slot_name = $1`,
      [o.names.slotName],
    );
    const slot = r.rows[0];
    console.log(
      `slot ${o.names.slotName}: ${slot ? `${slot.active ? 'active' : 'inactive'}, ${slot.lag ?? '?'} behind` : 'none'}`,
    );
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  installKafkajsPatches();
  const cmd = process.argv[2] ?? 'register';
  const log = (m: string) => console.log(`[relay:debezium] ${m}`);
  if (cmd === 'register') {
    const o = debeziumRelayOptionsFromEnv({ log });
    log(`database ${redactUrl(o.databaseUrl)}, Connect ${o.connectUrl}`);
    const { handover } = await registerDebeziumRelay(o);
    if (handover.drained !== undefined)
      log(`handover done (${handover.drained} row(s) published before the connector started)`);
    log(
      'Debezium is the relay now; run the janitor (npm run relay:debezium:janitor) or npm start with RELAY=debezium to keep the outbox small',
    );
  } else if (cmd === 'drop') {
    const o = debeziumRelayOptionsFromEnv();
    await dropConnector({ databaseUrl: o.databaseUrl, names: o.names, connectUrl: o.connectUrl, log });
    log('removed; rows still in the outbox go out when the TypeScript relay starts');
  } else if (cmd === 'status') {
    await status();
  } else {
    throw new ConfigError(`unknown command "${cmd}"\n${USAGE}`);
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`[relay:debezium] ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`);
    process.exit(1);
  },
);
