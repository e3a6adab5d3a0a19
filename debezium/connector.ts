/**
 * The Kafka Connect configuration of the Debezium relay: Debezium's PostgreSQL connector reading
 * the outbox table's inserts from the WAL (pgoutput), and the Outbox Event Router turning each
 * insert into exactly the record the TypeScript relay publishes (`relay/kafka-publisher.ts`
 * `recordOf`): topic from the `topic` column, key = `message_key` (UTF-8 string), value = the
 * `payload` bytes untouched, and the six headers with our names, as UTF-8 strings, in our order.
 *
 * Everything that shapes the bytes is set on the connector itself (converters included), so the
 * record does not depend on the worker's defaults.
 */
import {
  CONNECT_URL,
  DEBEZIUM_CONNECTOR_NAME,
  DEBEZIUM_DB_HOST,
  DEBEZIUM_HEARTBEAT_INTERVAL_MS,
  DEBEZIUM_HEARTBEAT_TOPIC,
  DEBEZIUM_PUBLICATION_NAME,
  DEBEZIUM_SLOT_NAME,
  read,
} from '../lib/config/settings.js';

/** Names that identify one Debezium relay: the connector in Connect, the slot and publication in PostgreSQL. */
export interface DebeziumNames {
  readonly connectorName: string;
  readonly slotName: string;
  readonly publicationName: string;
}

export interface ConnectorOptions extends DebeziumNames {
  /** The database whose outbox is relayed (hostname, port and dbname are taken from it). */
  readonly databaseUrl: string;
  /** The least-privilege replication role (setup-sql.ts) and its password. */
  readonly user: string;
  readonly password: string;
  /**
   * The database host as the Connect worker sees it, when it differs from the URL's host
   * (Connect in another network namespace or cluster).
   */
  readonly databaseHost?: string;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTopic?: string;
  /** `tuned` (production) or Debezium's and Connect's own defaults, which the bench compares against. */
  readonly profile?: DebeziumProfile;
}

export type DebeziumProfile = 'tuned' | 'default';

/**
 * What production changes from Debezium's and Connect's defaults for latency and throughput; each
 * value was chosen with `npm run bench:relay -- --debezium-set key=value` (figures in
 * debezium/README.md). Compression stays off: kafkajs, which every consumer uses, reads only gzip.
 */
export const DEBEZIUM_TUNING: Readonly<Record<string, string>> = {
  // How long a task's poll waits for a batch to fill, and the streaming loop's sleep on an idle WAL (default 500).
  'poll.interval.ms': '10',
  // Records per poll (default 2,048) and the queue between the WAL reader and the poll (default 8,192).
  'max.batch.size': '8192',
  'max.queue.size': '32768',
  // Connect runs source producers with one request in flight per broker; idempotence keeps order with five.
  'producer.override.max.in.flight.requests.per.connection': '5',
  'producer.override.linger.ms': '5',
  'producer.override.batch.size': '262144',
};

/**
 * The Kafka topic every Debezium relay's heartbeat records go to (one partition, short retention;
 * register.ts creates it, since the broker auto-creates nothing). Consumers never read it.
 */
export function heartbeatTopic(): string {
  return read(DEBEZIUM_HEARTBEAT_TOPIC);
}

/** The table Debezium's heartbeat query writes to (created by setup-sql.ts). */
export const HEARTBEAT_TABLE = 'debezium_heartbeat';

/**
 * The outbox columns placed as headers, in the order `recordOf` writes them. The Event Router adds
 * them in this order after its own `id` header, which the DropHeaders step removes.
 */
export const HEADER_COLUMNS: readonly (readonly [column: string, header: string])[] = [
  ['event_id', 'event-id'],
  ['event_type', 'event-type'],
  ['aggregate_version', 'aggregate-version'],
  ['occurred_at', 'occurred-at'],
  ['traceparent', 'traceparent'],
  ['user_id', 'user-id'],
];

/** PostgreSQL identifiers for slots: lower-case letters, digits and underscores, at most 63 characters. */
export function slotSafe(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
}

/**
 * The names for a database, from the environment or derived from the database's name, so that
 * two databases on one cluster (and one Connect cluster) never share a slot or a connector.
 */
export function defaultNames(databaseUrl: string): DebeziumNames {
  const db = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
  return {
    connectorName: read(DEBEZIUM_CONNECTOR_NAME, `todo-outbox-${db}`),
    slotName: slotSafe(read(DEBEZIUM_SLOT_NAME, `debezium_outbox_${db}`)),
    publicationName: read(DEBEZIUM_PUBLICATION_NAME),
  };
}

export function connectUrl(): string {
  return read(CONNECT_URL).replace(/\/+$/, '');
}

export function heartbeatIntervalMs(): number {
  return read(DEBEZIUM_HEARTBEAT_INTERVAL_MS);
}

export function databaseHostOverride(): string | undefined {
  return read(DEBEZIUM_DB_HOST);
}

/**
 * One statement, so the heartbeat is atomic and the table keeps one row: the old row is deleted
 * (deletes are not published) and a new one inserted (inserts are), which gives the connector a
 * change to acknowledge on an idle database. The Event Router never sees it: the table is in the
 * publication but not in `table.include.list`.
 */
export function heartbeatQuery(): string {
  return `WITH gone AS (DELETE FROM public.${HEARTBEAT_TABLE}) INSERT INTO public.${HEARTBEAT_TABLE} (beat_at) VALUES (now())`;
}

export function connectorConfig(o: ConnectorOptions): Record<string, string> {
  const url = new URL(o.databaseUrl);
  const dbname = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!dbname) throw new Error(`database URL ${redactUrl(o.databaseUrl)} names no database`);
  const topicPrefix = slotSafe(o.connectorName);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',

    // Source: the outbox's inserts, from our own publication, streamed from the slot's position.
    'database.hostname': o.databaseHost ?? url.hostname,
    'database.port': url.port || '5432',
    'database.dbname': dbname,
    'database.user': o.user,
    'database.password': o.password,
    'plugin.name': 'pgoutput',
    'slot.name': o.slotName,
    'publication.name': o.publicationName,
    'publication.autocreate.mode': 'disabled',
    'table.include.list': 'public.outbox',
    // Rows committed before the slot existed are not streamed: the handover (handover.ts)
    // publishes them the TypeScript relay's way before the connector starts.
    'snapshot.mode': 'no_data',
    'topic.prefix': topicPrefix,
    'tombstones.on.delete': 'false',
    'binary.handling.mode': 'bytes',
    // No __debezium.context.* headers: the headers must be exactly ours.
    'extended.headers.enabled': 'false',

    // An idle database must not pin WAL: the heartbeat writes a change the connector acknowledges.
    'heartbeat.interval.ms': String(o.heartbeatIntervalMs ?? 10_000),
    'heartbeat.action.query': heartbeatQuery(),

    // Bytes on the wire, independent of the worker's defaults.
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'io.debezium.converters.BinaryDataConverter',
    'header.converter': 'org.apache.kafka.connect.storage.StringConverter',

    // Heartbeat records go to one shared heartbeat topic (register.ts creates it): the offset
    // Connect commits for them is what lets the slot advance on an idle database. (Dropping them
    // with a Filter step does not work: Connect then commits no offset and the slot stays put.)
    // They are Structs, not bytes: the binary converter hands them to a JSON converter.
    'topic.heartbeat.name': o.heartbeatTopic ?? heartbeatTopic(),
    'value.converter.delegate.converter.type': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.delegate.converter.type.schemas.enable': 'false',
    transforms: 'outbox,dropIdHeader',

    'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
    'transforms.outbox.route.by.field': 'topic',
    'transforms.outbox.route.topic.replacement': '${routedByValue}',
    'transforms.outbox.table.field.event.id': 'event_id',
    'transforms.outbox.table.field.event.key': 'message_key',
    'transforms.outbox.table.field.event.type': 'event_type',
    'transforms.outbox.table.field.event.payload': 'payload',
    'transforms.outbox.table.fields.additional.placement': HEADER_COLUMNS.map(([c, h]) => `${c}:header:${h}`).join(','),
    'transforms.outbox.table.field.additional.missing': 'error',
    'transforms.outbox.table.expand.json.payload': 'false',
    'transforms.outbox.route.tombstone.on.empty.payload': 'false',
    // The publication only publishes inserts; should an update or delete reach the router anyway
    // (someone altered the publication), it is logged and skipped, never published.
    'transforms.outbox.table.op.invalid.behavior': 'warn',

    // The router always adds the event id as header `id`; ours is `event-id` (placed above).
    'transforms.dropIdHeader.type': 'org.apache.kafka.connect.transforms.DropHeaders',
    'transforms.dropIdHeader.headers': 'id',

    ...(o.profile === 'default' ? {} : DEBEZIUM_TUNING),
  };
}

/** The config with the password masked, for logs. */
export function redactedConfig(cfg: Record<string, string>): Record<string, string> {
  return { ...cfg, 'database.password': '********' };
}

export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.password) url.password = '********';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
