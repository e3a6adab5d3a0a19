/**
 * Registering the event schemas under their topic-record-name subjects. Compatibility is FULL,
 * which is BACKWARD and stricter (as the architecture allows): consumers still on an older schema
 * must keep decoding what producers write, so a field without a default can be neither added nor
 * removed. An incompatible change fails with the subject and the registry's reason.
 */
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type { EventSchema } from './schema-catalog.js';

export class IncompatibleSchemaError extends Error {
  constructor(readonly subject: string, reason: string) {
    super(`schema for ${subject} was refused: ${reason}`);
    this.name = 'IncompatibleSchemaError';
  }
}

export interface RegisteredSchema {
  subject: string;
  id: number;
}

export async function registerSchema(registry: SchemaRegistry, subject: string, text: string): Promise<RegisteredSchema> {
  try {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: text }, { subject, compatibility: COMPATIBILITY.FULL });
    return { subject, id };
  } catch (err) {
    const e = err as { status?: number; message?: string };
    if (e.status === 409 || e.status === 422 || /compatib/i.test(e.message ?? '')) {
      throw new IncompatibleSchemaError(subject, e.message ?? 'incompatible');
    }
    throw err;
  }
}

export async function registerSchemas(registry: SchemaRegistry, schemas: Iterable<EventSchema>): Promise<RegisteredSchema[]> {
  const out: RegisteredSchema[] = [];
  for (const s of schemas) out.push(await registerSchema(registry, s.subject, s.text));
  return out;
}
