/**
 * Registering the Debezium relay with Kafka Connect and removing it again.
 *
 * `registerDebeziumRelay`: setup SQL → slot + handover (handover.ts) → `PUT /connectors/<name>/config`
 * (create or update, idempotent) → resume it if it was stopped or paused, restart failed tasks →
 * wait until the connector and its task are RUNNING (a FAILED one is an error carrying its trace).
 *
 * `dropConnector`: stop the connector, reset its offsets, delete it, wait until the slot has no
 * reader, then drop slot and publication, so nothing pins WAL and a later registration under the
 * same name starts clean.
 */
import pg from 'pg';
import { parseLsn } from '../lib/db/lsn.js';
import { connectionConfig } from '../lib/env.js';
import { createKafka } from '../lib/kafka/kafka-client.js';
import { provisionTopics } from '../lib/kafka/provision-topics.js';
import {
  connectorConfig,
  connectUrl,
  databaseHostOverride,
  defaultNames,
  heartbeatTopic,
  heartbeatIntervalMs,
  redactUrl,
  type DebeziumNames,
  type DebeziumProfile,
} from './connector.js';
import { ensureSlotWithHandover, slotInfo, type HandoverResult } from './handover.js';
import { debeziumPassword, debeziumRole, HANDOVER_TABLE, runSetup } from './setup-sql.js';

/** A Kafka Connect request failed, or the connector did not reach the wanted state. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
}

interface TaskStatus {
  id: number;
  state: string;
  worker_id: string;
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: TaskStatus[];
}

export async function connectRequest(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw new ConnectError(
      `cannot reach Kafka Connect at ${base} (${(err as Error).cause ?? (err as Error).message}): is the stack up? npm run stack:up`,
    );
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

export function connectFailure(what: string, r: { status: number; json: any }): ConnectError {
  const msg = typeof r.json === 'object' && r.json?.message ? r.json.message : JSON.stringify(r.json);
  return new ConnectError(`${what}: Kafka Connect answered ${r.status}: ${msg}`);
}

const enc = encodeURIComponent;

export async function connectorStatus(base: string, name: string): Promise<ConnectorStatus | undefined> {
  const r = await connectRequest(base, 'GET', `/connectors/${enc(name)}/status`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw connectFailure(`status of connector ${name}`, r);
  return r.json as ConnectorStatus;
}

/** Create or update: `PUT /connectors/<name>/config`. */
export async function putConnectorConfig(base: string, name: string, config: Record<string, string>): Promise<void> {
  const r = await connectRequest(base, 'PUT', `/connectors/${enc(name)}/config`, config);
  if (r.status !== 200 && r.status !== 201) throw connectFailure(`registering connector ${name}`, r);
}

function firstLines(trace: string | undefined, n = 12): string {
  return (trace ?? '(no trace)').split('\n').slice(0, n).join('\n');
}

/** Waits until the connector and every task are RUNNING; a FAILED one throws with its trace. */
export async function waitUntilRunning(base: string, name: string, timeoutMs = 90_000): Promise<ConnectorStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: ConnectorStatus | undefined;
  for (;;) {
    last = await connectorStatus(base, name).catch((err: Error) => {
      if (Date.now() > deadline) throw err;
      return undefined; // Connect restarting: keep waiting
    });
    if (last) {
      if (last.connector.state === 'FAILED')
        throw new ConnectError(`connector ${name} FAILED:\n${firstLines(last.connector.trace)}`);
      const failed = last.tasks.find((t) => t.state === 'FAILED');
      if (failed) throw new ConnectError(`connector ${name} task ${failed.id} FAILED:\n${firstLines(failed.trace)}`);
      if (last.connector.state === 'RUNNING' && last.tasks.length > 0 && last.tasks.every((t) => t.state === 'RUNNING'))
        return last;
    }
    if (Date.now() > deadline) {
      const states = last
        ? `connector ${last.connector.state}, tasks [${last.tasks.map((t) => t.state).join(', ')}]`
        : 'not known to Connect';
      throw new ConnectError(`connector ${name} not RUNNING after ${timeoutMs / 1000}s (${states})`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The heartbeat topic (one partition, one hour of retention), created if missing: the broker auto-creates nothing. */
export async function ensureHeartbeatTopic(brokers: string[], topic = heartbeatTopic()): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'debezium-register', principal: 'operator', retries: 3 }).admin();
  try {
    await admin.connect();
    await provisionTopics(admin, [{ name: topic, partitions: 1, retentionMs: 60 * 60 * 1000, extraConfig: {} }]);
  } catch (err) {
    throw new ConnectError(
      `cannot create the heartbeat topic ${topic} on Kafka ${brokers.join(',')}: ${(err as Error).message}`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface DebeziumRelayOptions {
  databaseUrl: string;
  names: DebeziumNames;
  connectUrl: string;
  kafkaBrokers: string[];
  user: string;
  password: string;
  databaseHost?: string;
  heartbeatIntervalMs?: number;
  /** The connector's tuning profile (connector.ts); production runs `tuned`. */
  profile?: DebeziumProfile;
  runningTimeoutMs?: number;
  log?: (m: string) => void;
}

/** Everything from the environment (DATABASE_URL, CONNECT_URL, DEBEZIUM_*), for the CLI and `npm start`. */
export function debeziumRelayOptionsFromEnv(overrides: Partial<DebeziumRelayOptions> = {}): DebeziumRelayOptions {
  const conn = connectionConfig();
  const databaseUrl = overrides.databaseUrl ?? conn.databaseUrl;
  return {
    databaseUrl,
    names: defaultNames(databaseUrl),
    connectUrl: connectUrl(),
    kafkaBrokers: conn.kafkaBrokers,
    user: debeziumRole(),
    password: debeziumPassword(),
    databaseHost: databaseHostOverride(),
    heartbeatIntervalMs: heartbeatIntervalMs(),
    ...overrides,
  };
}

async function waitForStatus(base: string, name: string, timeoutMs = 30_000): Promise<ConnectorStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await connectorStatus(base, name);
    if (st) return st;
    if (Date.now() > deadline)
      throw new ConnectError(`connector ${name} has no status ${timeoutMs / 1000}s after it was created`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function hasOffsets(base: string, name: string): Promise<boolean> {
  const r = await connectRequest(base, 'GET', `/connectors/${enc(name)}/offsets`);
  if (r.status !== 200) throw connectFailure(`reading the offsets of connector ${name}`, r);
  return ((r.json as { offsets?: unknown[] }).offsets ?? []).length > 0;
}

/**
 * Points a stopped connector without offsets at its slot's confirmed position. Without an offset,
 * Debezium (`snapshot.mode=no_data`, slot already there) would start at the current WAL position
 * and skip what was committed between the slot's creation and its start: exactly the rows the
 * handover left to the connector. With the offset it streams from the slot's consistent point.
 */
async function setOffsetToSlot(o: DebeziumRelayOptions, partition: Record<string, string>): Promise<string> {
  const c = new pg.Client({ connectionString: o.databaseUrl, application_name: 'debezium-register' });
  await c.connect();
  let lsn: string | undefined;
  try {
    lsn =
      (
        await c.query<{ lsn: string | null }>(
          'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
          [o.names.slotName],
        )
      ).rows[0]?.lsn ?? undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
  if (!lsn) throw new ConnectError(`replication slot ${o.names.slotName} is missing or has no confirmed position`);
  const value = Number(parseLsn(lsn));
  const name = o.names.connectorName;
  const r = await connectRequest(o.connectUrl, 'PATCH', `/connectors/${enc(name)}/offsets`, {
    offsets: [{ partition, offset: { lsn: value } }],
  });
  if (r.status >= 300) throw connectFailure(`setting the offset of connector ${name}`, r);
  return lsn;
}

export interface RegisterResult {
  handover: HandoverResult;
  status: ConnectorStatus;
}

export async function registerDebeziumRelay(o: DebeziumRelayOptions): Promise<RegisterResult> {
  const log = o.log ?? (() => undefined);
  const name = o.names.connectorName;
  // Fail early, before touching the database, when Connect is not there.
  const plugins = await connectRequest(o.connectUrl, 'GET', '/connector-plugins');
  if (plugins.status !== 200) throw connectFailure('listing connector plugins', plugins);
  if (
    !(plugins.json as { class: string }[]).some((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector')
  ) {
    throw new ConnectError(`Kafka Connect at ${o.connectUrl} has no Debezium PostgreSQL connector plugin installed`);
  }
  await ensureHeartbeatTopic(o.kafkaBrokers);
  await runSetup(o.databaseUrl, { role: o.user, password: o.password, publicationName: o.names.publicationName });
  log(
    `database ${redactUrl(o.databaseUrl)}: role ${o.user}, publication ${o.names.publicationName}, heartbeat table ready`,
  );
  const handover = await ensureSlotWithHandover({
    databaseUrl: o.databaseUrl,
    slotName: o.names.slotName,
    kafkaBrokers: o.kafkaBrokers,
    log,
  });
  const config = connectorConfig({
    ...o.names,
    databaseUrl: o.databaseUrl,
    user: o.user,
    password: o.password,
    databaseHost: o.databaseHost,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    profile: o.profile,
  });
  const partition = { server: config['topic.prefix']! };
  const existing = await connectorStatus(o.connectUrl, name);
  if (!existing) {
    // New connectors start STOPPED, so the offset can be set to the slot's position first.
    const r = await connectRequest(o.connectUrl, 'POST', '/connectors', { name, config, initial_state: 'STOPPED' });
    if (r.status !== 201 && r.status !== 409) throw connectFailure(`creating connector ${name}`, r);
    log(`connector ${name} created (stopped; slot ${o.names.slotName})`);
  } else {
    await putConnectorConfig(o.connectUrl, name, config);
    log(`connector ${name} config updated (slot ${o.names.slotName})`);
  }
  const now = await waitForStatus(o.connectUrl, name);
  if (now.connector.state === 'STOPPED' || now.connector.state === 'PAUSED') {
    if (now.connector.state === 'STOPPED' && !(await hasOffsets(o.connectUrl, name))) {
      const lsn = await setOffsetToSlot(o, partition);
      log(`connector ${name} will stream from the slot's position ${lsn}`);
    }
    const r = await connectRequest(o.connectUrl, 'PUT', `/connectors/${enc(name)}/resume`);
    if (r.status >= 300) throw connectFailure(`resuming connector ${name}`, r);
    log(`connector ${name} resumed`);
  } else if (now.connector.state === 'FAILED' || now.tasks.some((t) => t.state === 'FAILED')) {
    const r = await connectRequest(
      o.connectUrl,
      'POST',
      `/connectors/${enc(name)}/restart?includeTasks=true&onlyFailed=true`,
    );
    if (r.status >= 300) throw connectFailure(`restarting connector ${name}`, r);
    log(`connector ${name} had failed: restarted`);
  }
  const status = await waitUntilRunning(o.connectUrl, name, o.runningTimeoutMs);
  log(`connector ${name} RUNNING on ${status.connector.worker_id}`);
  return { handover, status };
}

export interface DropOptions {
  databaseUrl: string;
  names: DebeziumNames;
  connectUrl: string;
  timeoutMs?: number;
  log?: (m: string) => void;
}

async function waitForState(o: DropOptions, check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  while (!(await check())) {
    if (Date.now() > deadline) throw new ConnectError(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Removes connector (and its offsets), slot, publication and handover record. Idempotent. */
export async function dropConnector(o: DropOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  const name = o.names.connectorName;
  const status = await connectorStatus(o.connectUrl, name);
  if (status) {
    // Stopped first, so its offsets can be reset: a new connector of this name must not resume
    // from an LSN of a slot that no longer exists.
    const stop = await connectRequest(o.connectUrl, 'PUT', `/connectors/${enc(name)}/stop`);
    if (stop.status >= 300) throw connectFailure(`stopping connector ${name}`, stop);
    await waitForState(
      o,
      async () => (await connectorStatus(o.connectUrl, name))?.connector.state === 'STOPPED',
      `connector ${name} to stop`,
    );
    const reset = await connectRequest(o.connectUrl, 'DELETE', `/connectors/${enc(name)}/offsets`);
    if (reset.status >= 300)
      log(`could not reset the offsets of ${name} (${reset.status}: ${reset.json?.message ?? ''}); deleting it anyway`);
    const del = await connectRequest(o.connectUrl, 'DELETE', `/connectors/${enc(name)}`);
    if (del.status >= 300 && del.status !== 404) throw connectFailure(`deleting connector ${name}`, del);
    await waitForState(
      o,
      async () => (await connectorStatus(o.connectUrl, name)) === undefined,
      `connector ${name} to disappear`,
    );
    log(`connector ${name} deleted`);
  } else {
    log(`connector ${name} not registered`);
  }
  const c = new pg.Client({ connectionString: o.databaseUrl, application_name: 'debezium-drop' });
  await c.connect();
  try {
    const slot = await slotInfo(c, o.names.slotName);
    if (slot && slot.database !== c.database) {
      throw new ConnectError(
        `replication slot ${o.names.slotName} belongs to database ${slot.database}, not ${c.database}: not dropping it`,
      );
    }
    if (slot) {
      await waitForState(
        o,
        async () => !(await slotInfo(c, o.names.slotName))?.active,
        `replication slot ${o.names.slotName} to be released`,
      );
      await c.query('SELECT pg_drop_replication_slot($1)', [o.names.slotName]);
      log(`replication slot ${o.names.slotName} dropped`);
    }
    await c.query(`DROP PUBLICATION IF EXISTS ${pg.escapeIdentifier(o.names.publicationName)}`);
    log(`publication ${o.names.publicationName} dropped`);
    if ((await c.query(`SELECT to_regclass('public.${HANDOVER_TABLE}') IS NOT NULL AS ok`)).rows[0]?.ok) {
      await c.query(`DELETE FROM ${HANDOVER_TABLE} WHERE slot_name = $1`, [o.names.slotName]);
    }
  } finally {
    await c.end().catch(() => undefined);
  }
}
