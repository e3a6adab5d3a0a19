/**
 * Encoding events into the Confluent wire format for the outbox. Schema ids are resolved from the
 * registry once at startup (and again only for a type not yet resolved), so a registry outage does
 * not stop writes of known event types. Every payload is validated against its schema before it
 * is encoded; a mismatch is an EventSchemaError naming the offending fields.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { EventSchemaError, UnavailableError } from '../errors.js';
import type { EventType } from '../topics.js';
import { loadEventSchemas, type EventSchema } from './schema-catalog.js';
import { wireHeader } from './wire-format.js';

export class SchemaNotRegisteredError extends Error {
  constructor(subject: string) {
    super(`schema for subject ${subject} is not registered: run npm run schemas:register`);
    this.name = 'SchemaNotRegisteredError';
  }
}

export class EventCodec {
  private readonly ids = new Map<EventType, number>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly schemas: Map<EventType, EventSchema> = loadEventSchemas(),
  ) {}

  static forUrl(url: string): EventCodec {
    return new EventCodec(new SchemaRegistry({ host: url }));
  }

  /** Resolves every schema id; throws if the registry is down or a schema is not registered. */
  async resolveAll(): Promise<void> {
    await Promise.all([...this.schemas.keys()].map((t) => this.resolve(t)));
  }

  get resolved(): boolean {
    return this.ids.size === this.schemas.size;
  }

  schemaOf(eventType: EventType): EventSchema {
    const s = this.schemas.get(eventType);
    if (!s) throw new Error(`no schema for event type ${eventType}`);
    return s;
  }

  private async resolve(eventType: EventType): Promise<number> {
    const known = this.ids.get(eventType);
    if (known !== undefined) return known;
    const s = this.schemaOf(eventType);
    let id: number;
    try {
      id = await this.registry.getRegistryIdBySchema(s.subject, { type: SchemaType.AVRO, schema: s.text });
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) throw new SchemaNotRegisteredError(s.subject);
      throw new UnavailableError('schema registry', err);
    }
    this.ids.set(eventType, id);
    return id;
  }

  /** Validates and encodes; the result is the record value both relays put on Kafka. */
  async encode(eventType: EventType, payload: unknown): Promise<Buffer> {
    const s = this.schemaOf(eventType);
    const bad: string[] = [];
    if (!s.type.isValid(payload, { errorHook: (p) => bad.push(p.join('.') || '(root)') })) {
      throw new EventSchemaError(eventType, bad);
    }
    const id = await this.resolve(eventType);
    return Buffer.concat([wireHeader(id), s.type.toBuffer(payload)]);
  }
}
