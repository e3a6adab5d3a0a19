/** Test helpers for the Debezium relay: unique names per test file, registration, clean removal. */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { connectionConfig } from '../../lib/env.js';
import { connectUrl, slotSafe, type DebeziumNames } from '../../debezium/connector.js';
import { dropConnector, registerDebeziumRelay, type RegisterResult } from '../../debezium/register.js';
import { debeziumPassword, debeziumRole } from '../../debezium/setup-sql.js';

export const CONNECT_URL = connectUrl();

/** Names no other test file (or run) uses: connector `dbz-test-<label>-<id>`, slot and publication alike. */
export function uniqueNames(label: string): DebeziumNames {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  return {
    connectorName: `dbz-test-${label}-${id}`,
    slotName: slotSafe(`dbz_test_${label}_${id}`),
    publicationName: `dbz_test_${label}_${id}`,
  };
}

const verbose = process.env.TEST_LOG_LEVEL && process.env.TEST_LOG_LEVEL !== 'silent';

export function registerForTest(databaseUrl: string, names: DebeziumNames): Promise<RegisterResult> {
  return registerDebeziumRelay({
    databaseUrl,
    names,
    connectUrl: CONNECT_URL,
    kafkaBrokers: connectionConfig().kafkaBrokers,
    user: debeziumRole(),
    password: debeziumPassword(),
    heartbeatIntervalMs: 1000,
    runningTimeoutMs: 120_000,
    log: verbose ? (m) => console.log(`[debezium] ${m}`) : undefined,
  });
}

export function dropForTest(databaseUrl: string, names: DebeziumNames): Promise<void> {
  return dropConnector({ databaseUrl, names, connectUrl: CONNECT_URL, timeoutMs: 120_000 });
}

/** Replication slots of this name anywhere in the cluster (should be none after dropForTest). */
export async function slotsNamed(slotName: string): Promise<string[]> {
  const u = new URL(connectionConfig().databaseUrl);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return (
      await c.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [
        slotName,
      ])
    ).rows.map((r) => r.slot_name);
  } finally {
    await c.end();
  }
}

export async function publicationsNamed(databaseUrl: string, name: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount ?? 0;
  } finally {
    await c.end();
  }
}

/** Drops connector, slot and publication, and checks that none of them is left behind. */
export async function dropAndCheckClean(databaseUrl: string, names: DebeziumNames): Promise<void> {
  await dropForTest(databaseUrl, names);
  expect(await slotsNamed(names.slotName)).toEqual([]);
  expect(await publicationsNamed(databaseUrl, names.publicationName)).toBe(0);
}
