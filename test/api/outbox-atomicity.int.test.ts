/**
 * A change and its outbox row commit together or not at all. The broken API's database refuses
 * TaskCreated and TaskDeleted outbox rows with a trigger that fires after the task row was written
 * (inserted by the same statement, or deleted earlier in the same transaction), and counts in a
 * sequence, which no rollback undoes, each time it saw that write. So every case below is a real
 * rollback of a written task row: no task row changes, no outbox row, no stored Idempotency-Key,
 * and no chat turn remains. A payload the codec refuses fails earlier, before any statement runs;
 * the last case covers that path.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { EventCodec } from '../../lib/avro/event-codec.js';
import { loadEventSchemas, type EventSchema } from '../../lib/avro/schema-catalog.js';
import type { Db } from '../../lib/db/prisma.js';
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

/**
 * Makes every TaskCreated and TaskDeleted outbox insert fail once the task row's write is visible:
 * an AFTER trigger runs at the end of its statement, so it sees the row a CTE inserted alongside.
 */
async function failOutboxInsertsAfterTaskWrite(db: Db): Promise<void> {
  await db.$executeRawUnsafe(`create sequence task_writes_seen_by_failing_trigger`);
  await db.$executeRawUnsafe(`
    create function fail_after_task_write() returns trigger language plpgsql as $$
    begin
      if (new.event_type = 'TaskCreated' and exists (select 1 from tasks where id = new.message_key::uuid))
         or (new.event_type = 'TaskDeleted' and not exists (select 1 from tasks where id = new.message_key::uuid)) then
        perform nextval('task_writes_seen_by_failing_trigger');
      end if;
      raise exception 'staged failure after the task row was written (% of %)', new.event_type, new.message_key;
    end $$`);
  await db.$executeRawUnsafe(`
    create trigger fail_after_task_write after insert on outbox for each row
      when (new.event_type in ('TaskCreated', 'TaskDeleted')) execute function fail_after_task_write()`);
}

/** How often the failing trigger has seen the task row written (a sequence survives rollbacks). */
async function taskWritesSeen(db: Db): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ n: bigint | null }[]>(
    `select last_value as n from pg_sequences where sequencename = 'task_writes_seen_by_failing_trigger'`,
  );
  return Number(row?.n ?? 0);
}

describe('outbox atomicity', () => {
  let broken: TestApi;
  let good: TestApi;
  let encodeFails: TestApi;

  beforeAll(async () => {
    [broken, good, encodeFails] = await Promise.all([
      startTestApi(),
      startTestApi(),
      startTestApi({ codec: tamperedCodec('TaskCreated') }),
    ]);
    await failOutboxInsertsAfterTaskWrite(broken.database.db);
  });
  afterAll(async () => {
    await Promise.all([broken?.stop(), good?.stop(), encodeFails?.stop()]);
  });

  /** Runs `fn`, asserts that the failing trigger saw `writes` task rows written, and returns what `fn` did. */
  async function failingAfterWrite<T>(writes: number, fn: () => Promise<T>): Promise<T> {
    const seen = await taskWritesSeen(broken.database.db);
    const result = await fn();
    expect(await taskWritesSeen(broken.database.db)).toBe(seen + writes);
    return result;
  }

  test('the same request succeeds without the failing trigger (control)', async () => {
    const user = newUser();
    const r = await good.call(user, 'POST', '/tasks', { title: 'control', priority: 'High' });
    expect(r.status).toBe(201);
    expect(await counts(good.database.db)).toMatchObject({ tasks: 1, outbox: 1 });
  });

  test('a create whose outbox row fails after its task row was written: 500, no task and no outbox row', async () => {
    const user = newUser();
    const before = await counts(broken.database.db);
    const r = await failingAfterWrite(1, () =>
      broken.call(user, 'POST', '/tasks', { title: 'never stored', priority: 'High', tags: ['x'] }),
    );
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // The client learns nothing about the internals.
    expect(r.body).toMatchObject({ status: 500, title: 'internal error' });
    expect(JSON.stringify(r.body)).not.toMatch(/staged failure|TaskCreated|outbox/);
    expect(await broken.database.db.task.count({ where: { userId: user } })).toBe(0);
    expect(await broken.database.db.task.count({ where: { title: 'never stored' } })).toBe(0);
    expect(await counts(broken.database.db)).toEqual(before);
  });

  test('with an Idempotency-Key, the failed request leaves no claimed key, so a retry runs again (and fails again)', async () => {
    const user = newUser();
    const headers = { 'idempotency-key': 'atomic-1' };
    const first = await failingAfterWrite(1, () => broken.call(user, 'POST', '/tasks', { title: 'keyed' }, headers));
    expect(first.status).toBe(500);
    expect(await broken.database.db.idempotentRequest.count({ where: { userId: user } })).toBe(0);
    const retry = await failingAfterWrite(1, () => broken.call(user, 'POST', '/tasks', { title: 'keyed' }, headers));
    expect(retry.status).toBe(500);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await counts(broken.database.db)).toMatchObject({ tasks: 0, outbox: 0, idempotent: 0 });
  });

  test('a chat turn that adds a task is rolled back whole: no task, no outbox row, no conversation or messages', async () => {
    const user = newUser();
    const before = await counts(broken.database.db);
    const r = await failingAfterWrite(1, () =>
      broken.call(user, 'POST', '/chat', { message: 'add buy milk tomorrow at 5pm' }),
    );
    expect(r.status).toBe(500);
    expect(await counts(broken.database.db)).toEqual(before);
  });

  test('a delete whose outbox row fails after the task row was deleted: the task stays as it was', async () => {
    const user = newUser();
    const db = broken.database.db;
    // TaskUpdated is not refused, so a task inserted directly can still be changed.
    const task = await db.task.create({ data: { userId: user, title: 'keep me' } });
    const patched = await broken.call(user, 'PATCH', `/tasks/${task.id}`, { title: 'keep me please' });
    expect(patched.status).toBe(200);
    expect(patched.body.version).toBe(2);

    const del = await failingAfterWrite(1, () => broken.call(user, 'DELETE', `/tasks/${task.id}`));
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

  test('a create whose event the codec refuses fails before any statement: 500, nothing written', async () => {
    const user = newUser();
    const before = await counts(encodeFails.database.db);
    const r = await encodeFails.call(user, 'POST', '/tasks', { title: 'never encoded' });
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ status: 500, title: 'internal error' });
    expect(JSON.stringify(r.body)).not.toMatch(/field_the_api_never_sends|TaskCreated/);
    expect(await counts(encodeFails.database.db)).toEqual(before);
  });
});
