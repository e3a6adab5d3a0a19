/**
 * Registering the event schemas under their topic-record-name subjects. Compatibility is FULL,
 * which is BACKWARD and stricter (as the architecture allows): consumers still on an older schema
 * must keep decoding what producers write, so a field without a default can be neither added nor
 * removed. An incompatible change fails with the subject and the registry's reason.
 */
import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import type { EventSchema } from './schema-catalog.js';

export class IncompatibleSchemaError extends Error {
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super(`schema for ${subject} was refused: ${reason}`);
    this.name = 'IncompatibleSchemaError';
  }
}

export interface RegisteredSchema {
  subject: string;
  id: number;
}

/**
 * Sets the subject's compatibility to the level we register with. A subject first registered
 * under another level keeps it otherwise, and the client refuses to register on a mismatch.
 */
async function pinCompatibility(registryUrl: string, subject: string): Promise<void> {
  const res = await fetch(`${registryUrl}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: COMPATIBILITY.FULL }),
  });
  // A subject that does not exist yet takes the global level, which the stack sets to FULL.
  if (!res.ok && res.status !== 404)
    throw new Error(`setting compatibility of ${subject}: HTTP ${res.status} ${await res.text()}`);
}

export async function registerSchema(
  registry: SchemaRegistry,
  subject: string,
  text: string,
  registryUrl?: string,
): Promise<RegisteredSchema> {
  if (registryUrl) await pinCompatibility(registryUrl, subject);
  try {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: text },
      { subject, compatibility: COMPATIBILITY.FULL },
    );
    return { subject, id };
  } catch (err) {
    const e = err as { status?: number; message?: string };
    if (e.status === 409 || e.status === 422 || /compatib/i.test(e.message ?? '')) {
      throw new IncompatibleSchemaError(subject, e.message ?? 'incompatible');
    }
    throw err;
  }
}

export async function registerSchemas(
  registryUrl: string,
  schemas: Iterable<EventSchema>,
): Promise<RegisteredSchema[]> {
  const registry = new SchemaRegistry({ host: registryUrl });
  const out: RegisteredSchema[] = [];
  for (const s of schemas) out.push(await registerSchema(registry, s.subject, s.text, registryUrl));
  return out;
}
