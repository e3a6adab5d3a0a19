/** The registry refuses incompatible schema changes and accepts compatible ones. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { IncompatibleSchemaError, registerSchema } from '../../lib/avro/register-schemas.js';
import { DEFAULT_SCHEMA_DIR } from '../../lib/avro/schema-catalog.js';
import { connectionConfig } from '../../lib/env.js';

const record = (fields: object[]) =>
  JSON.stringify({ type: 'record', name: 'Probe', namespace: 'com.todo.events', fields });

describe('schema compatibility', () => {
  const registry = new SchemaRegistry({ host: connectionConfig().schemaRegistryUrl });
  const subject = `test-compat-${randomUUID()}-com.todo.events.Probe`;
  const v1 = [
    { name: 'id', type: 'string' },
    { name: 'title', type: 'string' },
  ];

  beforeAll(async () => {
    await registerSchema(registry, subject, record(v1));
  });

  it('refuses removing a field that has no default, naming the subject', async () => {
    const err = await registerSchema(registry, subject, record([{ name: 'id', type: 'string' }])).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IncompatibleSchemaError);
    expect((err as Error).message).toContain(subject);
  });

  it('refuses adding a field without a default', async () => {
    await expect(
      registerSchema(registry, subject, record([...v1, { name: 'extra', type: 'string' }])),
    ).rejects.toBeInstanceOf(IncompatibleSchemaError);
  });

  it('accepts adding a field with a default', async () => {
    const r = await registerSchema(
      registry,
      subject,
      record([...v1, { name: 'note', type: ['null', 'string'], default: null }]),
    );
    expect(r.id).toBeGreaterThan(0);
  });

  it('makes the registration command fail with the subject and reason', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'schemas-'));
    cpSync(DEFAULT_SCHEMA_DIR, dir, { recursive: true });
    const file = path.join(dir, 'TaskCompleted.avsc');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { fields: { name: string }[] };
    schema.fields = schema.fields.filter((f) => f.name !== 'completed_at');
    writeFileSync(file, JSON.stringify(schema));
    const res = spawnSync('npx', ['--no-install', 'tsx', 'scripts/register-schemas.ts', '--dir', dir], {
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('todo.tasks.events-com.todo.events.TaskCompleted');
    expect(res.stderr).toMatch(/refused/);
  });
});
