/**
 * Debezium as a relay under test: the production connector (debezium/connector.ts, registered the
 * production way by debezium/register.ts: setup SQL, slot, handover, wait for RUNNING) on the
 * bench database, in the stack's Kafka Connect.
 *
 * What the bench does differently from production:
 * - its names (connector `bench-relay-debezium`, slot and publication `bench_relay_debezium`), so
 *   the bench never touches the product's connector or slot, and a run that died leaves names the
 *   next run knows and removes (`removeLeftovers`);
 * - start and stop are Connect's resume and pause. `snapshot.mode=no_data` streams only what
 *   commits after the slot exists, so a drain registers the connector first, pauses it, writes the
 *   backlog, and times from the resume. While paused, Debezium's streaming thread keeps decoding
 *   the WAL into its queue (`max.queue.size`, 8,192 records by default) until the queue is full:
 *   the drain starts with that much already decoded, and without the task's start (connections,
 *   replication start), while the TypeScript relay's clock includes its start. That favours
 *   Debezium; the "after the first 10 %" rate leaves both starts out. Stopping the connector
 *   instead of pausing would add a Connect rebalance to Debezium's clock, which production does not
 *   pay per backlog either.
 * - its profile: `tuned` is the production config (DEBEZIUM_TUNING in debezium/connector.ts),
 *   `default` leaves Debezium's and Connect's own defaults (`poll.interval.ms` 500, which at 1,000
 *   events/s, not the machine, sets Debezium's latency; `max.batch.size` 2,048; one producer
 *   request in flight). `--debezium-set key=value` sets connector properties on top of a profile,
 *   for the measurements that chose the tuning.
 *
 * Debezium never deletes outbox rows (in production the janitor does, a minute later; the bench
 * runs none), so commit times are looked up afterwards by event id. CPU is the Connect worker's
 * (found by its config file in the stack directory); other connectors on a shared worker count too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { DebeziumNames, DebeziumProfile } from '../debezium/connector.js';
import {
  ConnectError,
  connectFailure,
  connectorStatus,
  connectRequest,
  debeziumRelayOptionsFromEnv,
  dropConnector,
  putConnectorConfig,
  registerDebeziumRelay,
  waitUntilRunning,
  type DebeziumRelayOptions,
} from '../debezium/register.js';
import { stackConfig } from '../scripts/stack/stack-config.js';
import { progress, sleep } from './bench-kit.js';
import type { RelayUnderTest } from './relay-under-test.js';

export const BENCH_DEBEZIUM_NAMES: DebeziumNames = {
  connectorName: 'bench-relay-debezium',
  slotName: 'bench_relay_debezium',
  publicationName: 'bench_relay_debezium',
};

const enc = encodeURIComponent;

async function waitForState(o: DebeziumRelayOptions, state: string, timeoutMs = 60_000): Promise<void> {
  const name = o.names.connectorName;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await connectorStatus(o.connectUrl, name);
    if (s?.connector.state === state && s.tasks.length > 0 && s.tasks.every((t) => t.state === state)) return;
    if (Date.now() > deadline) {
      throw new ConnectError(
        `connector ${name} not ${state} after ${timeoutMs / 1000} s (${s ? `${s.connector.state}, tasks [${s.tasks.map((t) => t.state).join(', ')}]` : 'not registered'})`,
      );
    }
    await sleep(100);
  }
}

async function request(o: DebeziumRelayOptions, method: string, what: string, urlPath: string): Promise<void> {
  const r = await connectRequest(o.connectUrl, method, urlPath);
  if (r.status >= 300) throw connectFailure(`${what} connector ${o.names.connectorName}`, r);
}

/** The Connect worker of this stack: the process started with the stack's connect.properties. */
function isStackConnectWorker(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (
      args.includes('org.apache.kafka.connect.cli.ConnectDistributed') &&
      args.includes(path.join(stackConfig().dir, 'conf', 'connect.properties'))
    );
  } catch {
    return false;
  }
}

function options(databaseUrl: string): DebeziumRelayOptions {
  return debeziumRelayOptionsFromEnv({
    databaseUrl,
    names: BENCH_DEBEZIUM_NAMES,
    log: (m) => progress(`debezium: ${m}`),
  });
}

/**
 * Removes the bench connector, slot and publication a killed run may have left: the slot would
 * pin WAL, and PostgreSQL refuses to drop a database that still has a slot. Without the database
 * there is no slot either; the connector is removed first in any case.
 */
export async function removeLeftovers(databaseUrl: string, names: DebeziumNames = BENCH_DEBEZIUM_NAMES): Promise<void> {
  const connectUrl = options(databaseUrl).connectUrl;
  await dropConnector({ databaseUrl, names, connectUrl, timeoutMs: 120_000 }).catch((err: { code?: string }) => {
    if (err.code !== '3D000') throw err; // 3D000: the database does not exist
  });
}

/** Connector properties set on top of the production config, for a what-if run. */
async function override(o: DebeziumRelayOptions, props: Record<string, string>): Promise<void> {
  const name = o.names.connectorName;
  const r = await connectRequest(o.connectUrl, 'GET', `/connectors/${enc(name)}/config`);
  if (r.status !== 200) throw connectFailure(`reading the config of connector ${name}`, r);
  await putConnectorConfig(o.connectUrl, name, { ...(r.json as Record<string, string>), ...props });
  await waitUntilRunning(o.connectUrl, name);
}

export interface DebeziumBenchOptions {
  profile: DebeziumProfile;
  /** Connector properties set on top of the profile's. */
  set?: Record<string, string>;
}

export function debeziumRelay(name: string, databaseUrl: string, b: DebeziumBenchOptions): RelayUnderTest {
  const o = { ...options(databaseUrl), profile: b.profile };
  let registered = false;
  return {
    name,
    async prepare() {
      if (!registered) {
        registered = true; // before: a registration failing half-way must still be dropped
        await registerDebeziumRelay(o);
        if (b.set && Object.keys(b.set).length > 0) await override(o, b.set);
      }
      await request(o, 'PUT', 'pausing', `/connectors/${enc(o.names.connectorName)}/pause`);
      await waitForState(o, 'PAUSED');
    },
    async start() {
      await request(o, 'PUT', 'resuming', `/connectors/${enc(o.names.connectorName)}/resume`);
      await waitUntilRunning(o.connectUrl, o.names.connectorName);
    },
    async stop() {
      if (!registered) return;
      await request(o, 'PUT', 'pausing', `/connectors/${enc(o.names.connectorName)}/pause`);
      await waitForState(o, 'PAUSED');
    },
    async commitTimes() {
      const c = new pg.Client({ connectionString: databaseUrl, application_name: 'relay-bench' });
      await c.connect();
      try {
        // As the TypeScript relay reads it (a Date, so both are rounded to the millisecond alike).
        const { rows } = await c.query<{ event_id: string; committed_at: Date | null }>(
          'select event_id::text, pg_xact_commit_timestamp(xmin) as committed_at from outbox',
        );
        const out = new Map<string, number>();
        for (const r of rows) {
          if (!r.committed_at) throw new Error('an outbox row has no commit time: is track_commit_timestamp on?');
          out.set(r.event_id, r.committed_at.getTime());
        }
        return out;
      } finally {
        await c.end();
      }
    },
    isRelayProcess: isStackConnectWorker,
    async dispose() {
      if (!registered) return;
      await dropConnector({
        databaseUrl,
        names: o.names,
        connectUrl: o.connectUrl,
        timeoutMs: 120_000,
        log: (m) => progress(`debezium: ${m}`),
      });
      registered = false;
    },
  };
}
