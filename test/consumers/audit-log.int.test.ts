/**
 * audit-log-cg and GET /api/:userId/audit on the real stack: API → outbox → relay → Kafka →
 * audit rows (one per event id, whatever redelivery happens), read back newest first, a page at a
 * time, filtered by task, and only by their own user.
 */
import { randomUUID } from 'node:crypto';
import { auditLogService } from '../../consumers/audit-log/audit-log-handler.js';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import { TOPICS } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { TopicCollector, testKafka } from '../helpers/kafka.js';
import { produce, taskCreatedRecord } from '../helpers/task-records.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

describe('audit-log-cg and GET /api/:userId/audit', () => {
  const kafka = testKafka('audit-test');
  // Each test has users of its own (`audited`), so any one runs alone with -t.
  let userA = '';
  let userB = '';
  let api: TestApi;
  let relay: RelayService;
  let service: RunningConsumerService;
  let collector: TopicCollector;
  let t1 = '';
  let t2 = '';
  let tb = '';

  const rowsOf = (userId: string) => api.database.db.auditEntry.count({ where: { userId } });
  const audit = (user: string, query = '') => api.call(user, 'GET', `/audit${query}`);

  beforeAll(async () => {
    api = await startTestApi();
    collector = await new TopicCollector(kafka, [TOPICS.tasks]).start(false);
    relay = await startTestRelay(api.database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
    service = await startTestConsumer(auditLogService, api.database.url);
  });

  /**
   * A: one task through four changes and a second task; B: one task. With `described`, A's first
   * task then gets the description the first test gives it after its copies (its sixth row).
   */
  async function audited(described: boolean): Promise<void> {
    userA = `audit-a-${randomUUID()}`;
    userB = `audit-b-${randomUUID()}`;
    t1 = (await api.call(userA, 'POST', '/tasks', { title: 'audited' })).body.id;
    tb = (await api.call(userB, 'POST', '/tasks', { title: 'b private' })).body.id;
    expect((await api.call(userA, 'PATCH', `/tasks/${t1}`, { priority: 'High' })).status).toBe(200);
    expect((await api.call(userA, 'PATCH', `/tasks/${t1}`, { tags: ['x'] })).status).toBe(200);
    expect((await api.call(userA, 'POST', `/tasks/${t1}/complete`)).status).toBe(200);
    t2 = (await api.call(userA, 'POST', '/tasks', { title: 'second' })).body.id;
    await waitFor(async () => (await rowsOf(userA)) === 5 && (await rowsOf(userB)) === 1, { what: 'the audit rows' });
    if (!described) return;
    await api.call(userA, 'PATCH', `/tasks/${t1}`, { description: 'after the copies' });
    await waitFor(async () => (await rowsOf(userA)) === 6, { what: 'the later event' });
  }
  afterAll(async () => {
    await service?.stop();
    await relay?.stop();
    await collector?.stop();
    await api?.stop();
  });

  it('writes one row per event id, even when a record is delivered again', async () => {
    await audited(false);
    const original = collector.records.find((r) => r.key === t1 && r.headers['event-type'] === 'TaskCreated');
    expect(original).toBeDefined();
    const eventId = original!.headers['event-id']!;
    const copy = {
      key: original!.key,
      value: original!.value,
      headers: original!.headers,
      partition: original!.partition,
    };
    await produce(kafka, TOPICS.tasks, [copy, copy]);
    // A later event of the same key (so the same partition): once it is audited, the copies were handled.
    expect((await api.call(userA, 'PATCH', `/tasks/${t1}`, { description: 'after the copies' })).status).toBe(200);
    await waitFor(async () => (await rowsOf(userA)) === 6, { what: 'the later event' });
    await new Promise((r) => setTimeout(r, 200));

    expect(await api.database.db.auditEntry.count({ where: { eventId } })).toBe(1);
    expect(await rowsOf(userA)).toBe(6);
    expect(await api.database.db.processedEvent.count({ where: { consumerGroup: 'audit-log-cg', eventId } })).toBe(1);
    const rows = await api.database.db.auditEntry.findMany({ where: { userId: userA } });
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(6);
    expect(await (await fetch(service.metricsUrl)).text()).toMatch(
      /consumer_events_duplicate_total\{group="audit-log-cg"\} [1-9]/,
    );
  });

  it("writes a chunk's rows in one statement, in offset order, with every field", async () => {
    const key = randomUUID();
    const records = await Promise.all(Array.from({ length: 8 }, () => taskCreatedRecord(key)));
    const chunksBefore = Number(
      (await (await fetch(service.metricsUrl)).text()).match(
        /consumer_chunks_total\{group="audit-log-cg",path="batch"\} (\d+)/,
      )?.[1] ?? 0,
    );
    await produce(kafka, TOPICS.tasks, records);
    const ids = records.map((r) => r.headers!['event-id'] as string);
    await waitFor(
      async () => (await api.database.db.auditEntry.count({ where: { eventId: { in: ids } } })) === ids.length,
      { what: "the chunk's rows" },
    );
    const rows = await api.database.db.auditEntry.findMany({ where: { eventId: { in: ids } }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.eventId)).toEqual(ids);
    const offsets = rows.map((r) => Number(r.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(rows.map((r) => r.partition)).size).toBe(1);
    expect(rows[0]).toMatchObject({
      topic: TOPICS.tasks,
      eventType: 'TaskCreated',
      key,
      userId: 'runtime-test',
      taskId: key,
    });
    expect(rows[0]!.headers).toMatchObject({ 'event-id': ids[0], 'event-type': 'TaskCreated' });
    expect(rows[0]!.payload).toEqual(expect.objectContaining({ title: expect.any(String) }));
    const chunksAfter = Number(
      (await (await fetch(service.metricsUrl)).text()).match(
        /consumer_chunks_total\{group="audit-log-cg",path="batch"\} (\d+)/,
      )?.[1] ?? 0,
    );
    expect(chunksAfter).toBeGreaterThan(chunksBefore);
  });

  it("pages through the user's rows, newest first", async () => {
    await audited(true);
    const expected = await api.database.db.auditEntry.findMany({ where: { userId: userA }, orderBy: { id: 'desc' } });
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await audit(userA, `?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen.map((i) => i.eventId)).toEqual(expected.map((r) => r.eventId));

    const newest = seen[0];
    expect(newest).toEqual({
      eventId: expect.any(String),
      topic: TOPICS.tasks,
      partition: expect.any(Number),
      offset: expect.stringMatching(/^\d+$/),
      eventType: 'TaskUpdated',
      key: t1,
      taskId: t1,
      payload: expect.objectContaining({ id: t1, user_id: userA, description: 'after the copies' }),
      headers: expect.objectContaining({ 'event-id': newest.eventId, 'event-type': 'TaskUpdated', 'user-id': userA }),
      receivedAt: expect.any(String),
    });
    expect(Date.parse(newest.receivedAt)).not.toBeNaN();

    // The default page is 20 (all six here), and asks for no next page.
    const all = await audit(userA);
    expect(all.body.items).toHaveLength(6);
    expect(all.body.nextCursor).toBeNull();
  });

  it('filters by task', async () => {
    await audited(true);
    const first = await audit(userA, `?taskId=${t1}&limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    const second = await audit(userA, `?taskId=${t1}&limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    const items = [...first.body.items, ...second.body.items];
    expect(items.every((i: any) => i.taskId === t1)).toBe(true);
    expect(items.map((i: any) => i.eventType)).toEqual([
      'TaskUpdated',
      'TaskCompleted',
      'TaskUpdated',
      'TaskUpdated',
      'TaskCreated',
    ]);

    const other = await audit(userA, `?taskId=${t2}`);
    expect(other.body.items.map((i: any) => [i.taskId, i.eventType])).toEqual([[t2, 'TaskCreated']]);
    // Another user's task id finds nothing of A's.
    expect((await audit(userA, `?taskId=${tb}`)).body.items).toEqual([]);
  });

  it('shows a user only their own rows', async () => {
    await audited(true);
    const b = await audit(userB);
    expect(b.body.items.map((i: any) => i.taskId)).toEqual([tb]);
    expect(b.body.items[0].headers['user-id']).toBe(userB);
    const res = await fetch(`${api.baseUrl}/api/${userA}/audit`, {
      headers: { authorization: `Bearer ${await api.token(userB)}` },
    });
    expect(res.status).toBe(404);
    expect(JSON.stringify(await res.json())).not.toContain(t1);
    expect((await fetch(`${api.baseUrl}/api/${userA}/audit`)).status).toBe(401);
  });

  it('answers 400 naming the query fields it cannot use', async () => {
    await audited(true);
    const fieldsOf = async (query: string) => {
      const res = await audit(userA, query);
      expect(res.status).toBe(400);
      return res.body.errors.map((e: { field: string }) => e.field);
    };
    expect(await fieldsOf('?limit=0')).toEqual(['limit']);
    expect(await fieldsOf('?limit=101')).toEqual(['limit']);
    expect(await fieldsOf('?limit=ten')).toEqual(['limit']);
    expect(await fieldsOf('?cursor=not-a-cursor')).toEqual(['cursor']);
    expect(await fieldsOf(`?cursor=${t1}`)).toEqual(['cursor']);
    expect(await fieldsOf('?taskId=42')).toEqual(['taskId']);
    expect(await fieldsOf('?limit=-1&taskId=x&order=asc')).toEqual(
      expect.arrayContaining(['limit', 'taskId', 'order']),
    );
  });
});
