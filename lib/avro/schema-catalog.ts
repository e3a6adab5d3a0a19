/**
 * The Avro schemas in `schemas/`, with the topic each event type travels on and its registry
 * subject (topic-record-name strategy: several event types share a topic).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { EVENT_TYPES, topicOf, type EventTopic, type EventType } from '../topics.js';

export const SCHEMA_NAMESPACE = 'com.todo.events';
export const DEFAULT_SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schemas');

export interface EventSchema {
  readonly eventType: EventType;
  readonly topic: EventTopic;
  readonly subject: string;
  /** The schema text as registered. */
  readonly text: string;
  readonly type: avro.Type;
}

export function subjectFor(topic: string, eventType: string): string {
  return `${topic}-${SCHEMA_NAMESPACE}.${eventType}`;
}

export function loadEventSchemas(dir: string = DEFAULT_SCHEMA_DIR): Map<EventType, EventSchema> {
  const out = new Map<EventType, EventSchema>();
  for (const eventType of EVENT_TYPES) {
    const text = readFileSync(path.join(dir, `${eventType}.avsc`), 'utf8');
    const json = JSON.parse(text) as { name: string; namespace: string };
    if (json.name !== eventType || json.namespace !== SCHEMA_NAMESPACE) {
      throw new Error(`schemas/${eventType}.avsc must define record ${SCHEMA_NAMESPACE}.${eventType}`);
    }
    const topic = topicOf(eventType);
    out.set(eventType, {
      eventType,
      topic,
      subject: subjectFor(topic, eventType),
      text,
      type: avro.Type.forSchema(json as avro.Schema),
    });
  }
  return out;
}
