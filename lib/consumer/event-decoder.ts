/**
 * Turning a Kafka record into a ConsumedEvent. Anything wrong with the record itself (not in the
 * wire format, unknown schema id, undecodable Avro, missing or inconsistent headers) is poison:
 * retrying cannot fix it. A registry that cannot be reached is transient.
 */
import { headersAsStrings } from '../kafka/headers.js';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { KafkaMessage } from 'kafkajs';
import { schemaIdOf } from '../avro/wire-format.js';
import { AppError, UnavailableError } from '../errors.js';
import { EVENT_TYPES_BY_TOPIC, type EventTopic } from '../topics.js';
import type { ConsumedEvent } from './consumed-event.js';

export class PoisonEventError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'poison_event', retriable: false, cause });
  }
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
  let payload: Record<string, unknown>;
  try {
    payload = (await registry.decode(value)) as Record<string, unknown>;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 404) throw new PoisonEventError(`unknown schema id ${schemaId}`, err);
    if (status !== undefined || /ECONNREFUSED|ECONNRESET|socket|timeout|fetch failed/i.test((err as Error).message)) {
      throw new UnavailableError('schema registry', err);
    }
    throw new PoisonEventError(`value does not decode with schema ${schemaId}: ${(err as Error).message}`, err);
  }
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
  return {
    eventId,
    eventType,
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? '',
    aggregateVersion: version,
    userId: headers['user-id'] ?? '',
    traceparent: headers.traceparent ?? '',
    occurredAt,
    headers,
    payload,
  };
}
