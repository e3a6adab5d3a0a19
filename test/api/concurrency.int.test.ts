/** Concurrent changes of one task: aggregate versions follow commit order, without gaps or repeats. */
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { decodePayload, newUser, outboxRows } from './api-checks.js';

describe('concurrent changes of one task', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  test('50 parallel PATCHes: versions 2..51 in outbox id order, final version 51', async () => {
    const user = newUser();
    const created = await api.call(user, 'POST', '/tasks', { title: 'contended', priority: 'Low' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const N = 50;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        api.call(user, 'PATCH', `/tasks/${id}`, { title: `edit ${i}`, tags: [`t${i}`] }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(N).fill(200));
    // Each response reports the version its own change produced: all distinct, 2..51.
    expect(results.map((r) => r.body.version as number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: N }, (_, i) => i + 2),
    );

    const rows = await outboxRows(api.database.db, id);
    expect(rows).toHaveLength(N + 1);
    expect(rows[0]).toMatchObject({ eventType: 'TaskCreated', aggregateVersion: 1 });
    const updates = rows.slice(1);
    expect(updates.every((r) => r.eventType === 'TaskUpdated')).toBe(true);
    // Ordered by outbox id (the order rows were written under the task's lock), versions are exactly 2..51.
    expect(updates.map((r) => r.aggregateVersion)).toEqual(Array.from({ length: N }, (_, i) => i + 2));
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(N + 1);

    // Each event carries the state its version produced: the response of that version's request.
    const byVersion = new Map(results.map((r) => [r.body.version as number, r.body]));
    for (const row of updates) {
      const decoded = await decodePayload(row.payload);
      const body = byVersion.get(row.aggregateVersion)!;
      expect(decoded).toMatchObject({ id, title: body.title, tags: body.tags, updated_at: Date.parse(body.updatedAt) });
    }
    const final = await api.database.db.task.findUniqueOrThrow({ where: { id } });
    expect(final.version).toBe(N + 1);
    // The row holds the last committed change.
    expect(final.title).toBe(byVersion.get(N + 1)!.title);
    const got = await api.call(user, 'GET', `/tasks/${id}`);
    expect(got.body.version).toBe(N + 1);
  });

  test('parallel PATCHes, completes and a delete of one task: one event per effective change, versions gap-free', async () => {
    const user = newUser();
    const id = (await api.call(user, 'POST', '/tasks', { title: 'mixed' })).body.id as string;
    const calls = [
      ...Array.from({ length: 10 }, (_, i) => () => api.call(user, 'PATCH', `/tasks/${id}`, { description: `d${i}` })),
      ...Array.from({ length: 5 }, () => () => api.call(user, 'POST', `/tasks/${id}/complete`)),
    ];
    const results = await Promise.all(calls.map((c) => c()));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const completions = (await outboxRows(api.database.db, id)).filter((r) => r.eventType === 'TaskCompleted');
    // Only the first completion changes the task (a PATCH never un-completes it here).
    expect(completions).toHaveLength(1);

    const del = await api.call(user, 'DELETE', `/tasks/${id}`);
    expect(del.status).toBe(200);
    const rows = await outboxRows(api.database.db, id);
    expect(rows).toHaveLength(1 + 10 + 1 + 1);
    expect(rows.map((r) => r.aggregateVersion)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(rows.at(-1)!.eventType).toBe('TaskDeleted');
  });

  test('parallel creates by many users each get their own task and TaskCreated row at version 1', async () => {
    const users = Array.from({ length: 20 }, () => newUser('c'));
    const results = await Promise.all(users.map((u, i) => api.call(u, 'POST', '/tasks', { title: `task ${i}` })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    for (const [i, r] of results.entries()) {
      const rows = await outboxRows(api.database.db, r.body.id);
      expect(rows.map((x) => [x.eventType, x.aggregateVersion, x.userId])).toEqual([['TaskCreated', 1, users[i]]]);
    }
  });
});
