/**
 * The headers every dead letter carries, whoever gave up on it (architecture guarantee 4): a
 * consumer group (`todo.<group>.dlq`) or the relay (`<topic>.dlq`). They are added to the
 * record's own headers, so the event id, type and trace travel with it.
 */
export const DLQ_HEADERS = [
  'original-topic',
  'original-partition',
  'original-offset',
  'consumer-group',
  'attempts',
  'error-class',
  'error-message',
  'failed-at',
] as const;

export type DeadLetterHeaders = Record<(typeof DLQ_HEADERS)[number], string>;

export interface DeadLetterReason {
  /** The topic the record came from, or was meant for. */
  topic: string;
  /** Where it was read; undefined for a record the relay could not publish (it never reached Kafka). */
  partition?: number;
  offset?: string;
  /** Who gave up: the consumer group, or `outbox-relay`. */
  gaveUp: string;
  attempts: number;
  error: Error;
}

export function deadLetterHeaders(d: DeadLetterReason): DeadLetterHeaders {
  return {
    'original-topic': d.topic,
    'original-partition': d.partition === undefined ? '' : String(d.partition),
    'original-offset': d.offset ?? '',
    'consumer-group': d.gaveUp,
    attempts: String(d.attempts),
    'error-class': d.error.name || d.error.constructor.name,
    'error-message': d.error.message.slice(0, 2000),
    'failed-at': new Date().toISOString(),
  };
}
