/**
 * A change and its outbox row commit together or not at all: an app whose codec rejects the
 * TaskCreated and TaskDeleted payloads (after the task row was written in the transaction) must
 * leave neither a task row nor an outbox row behind.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { loadEventSchemas, type EventSchema } from '../../lib/avro/schema-catalog.js';
import { connectionConfig } from '../../lib/env.js';
import type { EventType } from '../../lib/topics.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { counts, newUser, outboxRows, scrapeMetrics } from './api-checks.js';

/** The registered schema (same subject and text, so its id resolves) validated by a type that needs one more field. */
function tampered(s: EventSchema): EventSchema {
  const json = JSON.parse(s.text) as { fields: unknown[] };
  json.fields.push({ name: 'field_the_api_never_sends', type: 'string' });
  return { ...s, type: avro.Type.forSchema(json as avro.Schema) };
}

function tamperedCodec(...types: EventType[]): EventCodec {
  const schemas = loadEventSchemas();
  for (const t of types) schemas.set(t, tampered(schemas.get(t)!));
  return new EventCodec(new SchemaRegistry({ host: connectionConfig().schemaRegistryUrl }), schemas);
}

describe('outbox atomicity', () => {
  let broken: TestApi;
  let good: TestApi;

  beforeAll(async () => {
    [broken, good] = await Promise.all([
      startTestApi({ codec: tamperedCodec('TaskCreated', 'TaskDeleted') }),
      startTestApi(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([broken?.stop(), good?.stop()]);
  });

  test('the same request succeeds with the real codec (control)', async () => {
    const user = newUser();
    const r = await good.call(user, 'POST', '/tasks', { title: 'control', priority: 'High' });
    expect(r.status).toBe(201);
    expect(await counts(good.database.db)).toMatchObject({ tasks: 1, outbox: 1 });
  });

  test('a create whose event cannot be encoded fails with 500 and leaves no task and no outbox row', async () => {
    const user = newUser();
    const before = await counts(broken.database.db);
    const r = await broken.call(user, 'POST', '/tasks', { title: 'never stored', priority: 'High', tags: ['x'] });
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // The client learns nothing about the internals.
    expect(r.body).toMatchObject({ status: 500, title: 'internal error' });
    expect(JSON.stringify(r.body)).not.toMatch(/field_the_api_never_sends|TaskCreated/);
    expect(await broken.database.db.task.count({ where: { userId: user } })).toBe(0);
    expect(await broken.database.db.task.count({ where: { title: 'never stored' } })).toBe(0);
    expect(await counts(broken.database.db)).toEqual(before);
  });

  test('with an Idempotency-Key, the failed request leaves no claimed key, so a retry runs again (and fails again)', async () => {
    const user = newUser();
    const headers = { 'idempotency-key': 'atomic-1' };
    const first = await broken.call(user, 'POST', '/tasks', { title: 'keyed' }, headers);
    expect(first.status).toBe(500);
    expect(await broken.database.db.idempotentRequest.count({ where: { userId: user } })).toBe(0);
    const retry = await broken.call(user, 'POST', '/tasks', { title: 'keyed' }, headers);
    expect(retry.status).toBe(500);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await counts(broken.database.db)).toMatchObject({ tasks: 0, outbox: 0, idempotent: 0 });
  });

  test('a chat turn that adds a task is rolled back whole: no task, no outbox row, no conversation or messages', async () => {
    const user = newUser();
    const before = await counts(broken.database.db);
    const r = await broken.call(user, 'POST', '/chat', { message: 'add buy milk tomorrow at 5pm' });
    expect(r.status).toBe(500);
    expect(await counts(broken.database.db)).toEqual(before);
  });

  test('a delete whose event cannot be encoded fails and the task stays as it was', async () => {
    const user = newUser();
    const db = broken.database.db;
    // TaskUpdated is intact in the tampered codec, so a task inserted directly can still be changed.
    const task = await db.task.create({ data: { userId: user, title: 'keep me' } });
    const patched = await broken.call(user, 'PATCH', `/tasks/${task.id}`, { title: 'keep me please' });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);

    const del = await broken.call(user, 'DELETE', `/tasks/${task.id}`);
    expect(del.status).toBe(500);
    const stored = await db.task.findUnique({ where: { id: task.id } });
    expect(stored).toMatchObject({ title: 'keep me please', version: 2 });
    expect((await outboxRows(db, task.id)).map((r) => `${r.eventType}@${r.aggregateVersion}`)).toEqual([
      'TaskUpdated@2',
    ]);
    expect((await broken.call(user, 'GET', `/tasks/${task.id}`)).status).toBe(200);
  });

  test('failed writes are not counted as written outbox rows; failed requests are counted under their route', async () => {
    const user = newUser();
    const before = await scrapeMetrics(broken.baseUrl);
    const task = await broken.database.db.task.create({ data: { userId: user, title: 'metrics' } });
    expect((await broken.call(user, 'POST', '/tasks', { title: 'x' })).status).toBe(500);
    expect((await broken.call(user, 'PATCH', `/tasks/${task.id}`, { title: 'y' })).status).toBe(200);
    expect((await broken.call(user, 'DELETE', `/tasks/${task.id}`)).status).toBe(500);
    const after = await scrapeMetrics(broken.baseUrl);
    const delta = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(delta('outbox_rows_written_total{event_type="TaskUpdated"}')).toBe(1);
    expect(after.get('outbox_rows_written_total{event_type="TaskCreated"}')).toBeUndefined();
    expect(after.get('outbox_rows_written_total{event_type="TaskDeleted"}')).toBeUndefined();
    expect(delta('http_requests_total{method="POST",route="/api/:userId/tasks",status="500"}')).toBe(1);
    expect(delta('http_requests_total{method="DELETE",route="/api/:userId/tasks/:taskId",status="500"}')).toBe(1);
    expect(delta('http_requests_total{method="PATCH",route="/api/:userId/tasks/:taskId",status="200"}')).toBe(1);
  });
});
