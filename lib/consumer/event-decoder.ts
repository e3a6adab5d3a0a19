/**
 * Turning a Kafka record into a ConsumedEvent. Anything wrong with the record itself (not in the
 * wire format, unknown schema id, a registry that refuses the id with a 4xx, undecodable Avro,
 * missing or inconsistent headers, a record that is not what it says) is poison: retrying cannot
 * fix it. A registry that cannot be reached, times out or answers 5xx is an outage (transient).
 *
 * "What it says" (architecture guarantee 6): the `event-type` header names the writer schema's
 * record, the key is the aggregate id inside the value, and `user-id` is the payload's user. A
 * record that fails any of these (a forged or mislabelled one: a real TaskCreated value re-sent as
 * TaskDeleted) never reaches a handler, so no group acts on it.
 */
import { headersAsStrings } from '../kafka/headers.js';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { KafkaMessage } from 'kafkajs';
import { SCHEMA_NAMESPACE } from '../avro/schema-catalog.js';
import { schemaIdOf } from '../avro/wire-format.js';
import { isHttpOutage, PoisonEventError, UnavailableError } from '../errors.js';
import { EVENT_TYPES_BY_TOPIC, TOPICS, type EventTopic } from '../topics.js';
import type { ConsumedEvent } from './consumed-event.js';

/** The writer schema (fetched, or from the client's cache) and the decoded value. */
async function readValue(
  registry: SchemaRegistry,
  value: Buffer,
  schemaId: number,
): Promise<{ writerName: string | undefined; payload: Record<string, unknown> }> {
  try {
    const writer = (await registry.getSchema(schemaId)) as { name?: unknown };
    const payload = (await registry.decode(value)) as Record<string, unknown>;
    return { writerName: typeof writer.name === 'string' ? writer.name : undefined, payload };
  } catch (err) {
    const status = (err as { status?: number }).status;
    const message = (err as Error).message ?? String(err);
    if (isHttpOutage(status, message)) throw new UnavailableError('schema registry', err);
    if (status === 404) throw new PoisonEventError(`unknown schema id ${schemaId}`, err);
    if (status !== undefined)
      throw new PoisonEventError(`schema registry refused schema id ${schemaId}: HTTP ${status}: ${message}`, err);
    throw new PoisonEventError(`value does not decode with schema ${schemaId}: ${message}`, err);
  }
}

/**
 * The aggregate id inside a value, which must be the record key: the task's or reminder's `id`;
 * for TaskChanged (the per-user change feed, keyed by user) its `user_id`.
 */
function aggregateIdOf(topic: string, payload: Record<string, unknown>): unknown {
  return topic === TOPICS.broadcast ? payload.user_id : payload.id;
}

/** Throws PoisonEventError unless the record is what its headers and key say it is. */
function checkIdentity(
  topic: string,
  eventType: string,
  writerName: string | undefined,
  key: string,
  userId: string | undefined,
  payload: Record<string, unknown>,
): void {
  const expected = `${SCHEMA_NAMESPACE}.${eventType}`;
  if (writerName !== expected)
    throw new PoisonEventError(
      `header event-type "${eventType}" does not match the writer schema's record "${writerName ?? '(none)'}"`,
    );
  const aggregateId = aggregateIdOf(topic, payload);
  if (typeof aggregateId !== 'string' || key !== aggregateId)
    throw new PoisonEventError(`record key "${key}" is not the aggregate id in the value ("${String(aggregateId)}")`);
  if (typeof payload.user_id !== 'string' || userId !== payload.user_id)
    throw new PoisonEventError(
      `header user-id "${userId ?? ''}" does not match the value's user_id "${String(payload.user_id)}"`,
    );
}

export async function decodeEvent(
  registry: SchemaRegistry,
  topic: string,
  partition: number,
  message: KafkaMessage,
): Promise<ConsumedEvent> {
  const headers = headersAsStrings(message.headers);
  const value = message.value;
  const schemaId = schemaIdOf(value);
  if (!value || schemaId === undefined)
    throw new PoisonEventError('value is not in the Confluent wire format (magic byte 0 + schema id)');
  const { writerName, payload } = await readValue(registry, value, schemaId);
  const eventId = headers['event-id'];
  const eventType = headers['event-type'];
  if (!eventId || !/^[0-9a-f-]{36}$/i.test(eventId))
    throw new PoisonEventError('header event-id is missing or not a UUID');
  const allowed = EVENT_TYPES_BY_TOPIC[topic as EventTopic] as readonly string[] | undefined;
  if (!eventType || (allowed && !allowed.includes(eventType))) {
    throw new PoisonEventError(`header event-type "${eventType ?? ''}" is not an event of ${topic}`);
  }
  const version = Number(headers['aggregate-version']);
  const occurredAt = new Date(headers['occurred-at'] ?? '');
  if (!Number.isInteger(version) || Number.isNaN(occurredAt.getTime())) {
    throw new PoisonEventError('headers aggregate-version or occurred-at are missing or malformed');
  }
  const key = message.key?.toString() ?? '';
  checkIdentity(topic, eventType, writerName, key, headers['user-id'], payload);
  return {
    eventId,
    eventType,
    topic,
    partition,
    offset: message.offset,
    key,
    aggregateVersion: version,
    userId: headers['user-id'] ?? '',
    traceparent: headers.traceparent ?? '',
    occurredAt,
    headers,
    payload,
  };
}
