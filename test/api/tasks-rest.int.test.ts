/** The task REST API against a real database and schema registry: CRUD, listing, and the outbox row of every change. */
import { TOPICS } from '../../lib/topics.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { counts, decodePayload, expectOutboxHeader, newUser, outboxRows, TRACEPARENT } from './api-checks.js';

const TASK_FIELDS = [
  'completed',
  'completedAt',
  'createdAt',
  'description',
  'dueDate',
  'id',
  'isRecurringTemplate',
  'priority',
  'recurrencePattern',
  'reminderLeadMinutes',
  'tags',
  'templateId',
  'title',
  'updatedAt',
  'version',
];

describe('tasks REST API', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  const create = async (user: string, body: Record<string, unknown>) => {
    const r = await api.call(user, 'POST', '/tasks', body);
    expect(r.status).toBe(201);
    return r.body as { id: string; [k: string]: any };
  };

  /** Runs `fn` and returns the outbox rows it wrote (exactly `expected` of them). */
  async function newOutboxRows<T>(fn: () => Promise<T>, expected = 1) {
    const before = await outboxRows(api.database.db);
    const result = await fn();
    const after = await outboxRows(api.database.db);
    const seen = new Set(before.map((r) => r.eventId));
    const added = after.filter((r) => !seen.has(r.eventId));
    expect(added).toHaveLength(expected);
    expect(after).toHaveLength(before.length + expected);
    return { result, rows: added };
  }

  test('create returns the task with camelCase fields and writes one TaskCreated row that decodes to it', async () => {
    const user = newUser();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { result: task, rows } = await newOutboxRows(async () => {
      const r = await api.call(
        user,
        'POST',
        '/tasks',
        {
          title: '  Write the report  ',
          description: 'Q4 numbers',
          dueDate: '2026-12-01T17:00:00.000Z',
          priority: 'High',
          tags: ['work', 'q4'],
          reminderLeadMinutes: 30,
        },
        { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      );
      expect(r.status).toBe(201);
      expect(r.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-`));
      return r.body;
    });

    expect(Object.keys(task).sort()).toEqual(TASK_FIELDS);
    expect(task).toMatchObject({
      title: 'Write the report',
      description: 'Q4 numbers',
      dueDate: '2026-12-01T17:00:00.000Z',
      priority: 'High',
      tags: ['work', 'q4'],
      completed: false,
      completedAt: null,
      isRecurringTemplate: false,
      recurrencePattern: null,
      templateId: null,
      reminderLeadMinutes: 30,
      version: 1,
    });
    expect(task.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(task.createdAt))).toBe(false);

    const row = rows[0]!;
    expectOutboxHeader(row, { eventType: 'TaskCreated', key: task.id, version: 1, userId: user, topic: TOPICS.tasks });
    // The request's trace continues into the event.
    expect(row.traceparent.startsWith(`00-${traceId}-`)).toBe(true);
    const decoded = await decodePayload(row.payload);
    expect(decoded).toEqual({
      id: task.id,
      user_id: user,
      title: 'Write the report',
      description: 'Q4 numbers',
      created_at: Date.parse(task.createdAt),
      due_date: Date.parse('2026-12-01T17:00:00.000Z'),
      priority: 'High',
      tags: ['work', 'q4'],
      is_recurring_template: false,
      recurrence_pattern: null,
      template_id: null,
      occurrence_at: null,
      reminder_lead_minutes: 30,
    });

    const stored = await api.database.db.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(stored.userId).toBe(user);
    expect(stored.title).toBe('Write the report');
  });

  test('create applies defaults and normalises a recurrence pattern into a template', async () => {
    const user = newUser();
    const plain = await create(user, { title: 'plain' });
    expect(plain).toMatchObject({
      description: null,
      dueDate: null,
      priority: 'Medium',
      tags: [],
      isRecurringTemplate: false,
      recurrencePattern: null,
      reminderLeadMinutes: null,
    });

    const { result: rec, rows } = await newOutboxRows(() =>
      create(user, { title: 'gym', recurrencePattern: 'WEEKLY:wed,mon' }),
    );
    expect(rec).toMatchObject({ isRecurringTemplate: true, recurrencePattern: 'weekly:mon,wed' });
    expect(await decodePayload(rows[0]!.payload)).toMatchObject({
      id: rec.id,
      is_recurring_template: true,
      recurrence_pattern: 'weekly:mon,wed',
      priority: 'Medium',
    });
  });

  test('get returns the task; an unknown id answers 404 problem+json', async () => {
    const user = newUser();
    const t = await create(user, { title: 'fetch me' });
    const got = await api.call(user, 'GET', `/tasks/${t.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(t);

    const missing = await api.call(user, 'GET', '/tasks/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, code: 'not_found' });
  });

  test('patch changes the named fields, bumps the version and writes one TaskUpdated row', async () => {
    const user = newUser();
    const t = await create(user, { title: 'draft', priority: 'Low', tags: ['a'] });
    const { result: r, rows } = await newOutboxRows(() =>
      api.call(user, 'PATCH', `/tasks/${t.id}`, {
        title: 'final',
        priority: 'High',
        dueDate: '2026-12-24T09:00:00Z',
        description: 'd',
      }),
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: t.id,
      title: 'final',
      priority: 'High',
      dueDate: '2026-12-24T09:00:00.000Z',
      description: 'd',
      tags: ['a'],
      version: 2,
    });
    expect(Date.parse(r.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(t.updatedAt));

    const row = rows[0]!;
    expectOutboxHeader(row, { eventType: 'TaskUpdated', key: t.id, version: 2, userId: user, topic: TOPICS.tasks });
    const decoded = await decodePayload(row.payload);
    expect(decoded).toMatchObject({
      id: t.id,
      user_id: user,
      title: 'final',
      description: 'd',
      due_date: Date.parse('2026-12-24T09:00:00Z'),
      priority: 'High',
      tags: ['a'],
      completed: false,
      updated_at: Date.parse(r.body.updatedAt),
    });
    expect([...(decoded.changed_fields as string[])].sort()).toEqual(['description', 'due_date', 'priority', 'title']);

    // Clearing a field with null.
    const cleared = await api.call(user, 'PATCH', `/tasks/${t.id}`, { dueDate: null, description: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ dueDate: null, description: null, version: 3 });
    const stored = await api.database.db.task.findUniqueOrThrow({ where: { id: t.id } });
    expect(stored.dueDate).toBeNull();
    expect(stored.version).toBe(3);
  });

  test('patch of an unknown task answers 404 and writes nothing', async () => {
    const user = newUser();
    const before = await counts(api.database.db);
    const r = await api.call(user, 'PATCH', '/tasks/00000000-0000-4000-8000-000000000000', { title: 'x' });
    expect(r.status).toBe(404);
    expect(await counts(api.database.db)).toEqual(before);
  });

  test('complete marks the task done once; completing a done task changes nothing and emits nothing', async () => {
    const user = newUser();
    const t = await create(user, { title: 'finish me' });
    const { result: done, rows } = await newOutboxRows(() => api.call(user, 'POST', `/tasks/${t.id}/complete`));
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: t.id, completed: true, version: 2 });
    expect(Number.isNaN(Date.parse(done.body.completedAt))).toBe(false);

    const row = rows[0]!;
    expectOutboxHeader(row, { eventType: 'TaskCompleted', key: t.id, version: 2, userId: user, topic: TOPICS.tasks });
    expect(await decodePayload(row.payload)).toEqual({
      id: t.id,
      user_id: user,
      completed_at: Date.parse(done.body.completedAt),
    });

    const { result: again } = await newOutboxRows(() => api.call(user, 'POST', `/tasks/${t.id}/complete`), 0);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(done.body);
    const stored = await api.database.db.task.findUniqueOrThrow({ where: { id: t.id } });
    expect(stored.version).toBe(2);
    expect(stored.completedAt?.toISOString()).toBe(done.body.completedAt);

    const missing = await api.call(user, 'POST', '/tasks/00000000-0000-4000-8000-000000000000/complete');
    expect(missing.status).toBe(404);
  });

  test('patch completed=true/false toggles completion and completedAt', async () => {
    const user = newUser();
    const t = await create(user, { title: 'toggle' });
    const on = await api.call(user, 'PATCH', `/tasks/${t.id}`, { completed: true });
    expect(on.body).toMatchObject({ completed: true, version: 2 });
    expect(on.body.completedAt).not.toBeNull();
    const off = await api.call(user, 'PATCH', `/tasks/${t.id}`, { completed: false });
    expect(off.body).toMatchObject({ completed: false, completedAt: null, version: 3 });
    const rows = await outboxRows(api.database.db, t.id);
    expect(rows.map((r) => [r.eventType, r.aggregateVersion])).toEqual([
      ['TaskCreated', 1],
      ['TaskUpdated', 2],
      ['TaskUpdated', 3],
    ]);
    expect((await decodePayload(rows[2]!.payload)).completed).toBe(false);
  });

  test('delete removes the row and writes one TaskDeleted row with the next version', async () => {
    const user = newUser();
    const t = await create(user, { title: 'delete me', recurrencePattern: 'daily' });
    await api.call(user, 'PATCH', `/tasks/${t.id}`, { priority: 'Low' });
    const { result: r, rows } = await newOutboxRows(() => api.call(user, 'DELETE', `/tasks/${t.id}`));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: t.id, deleted: true });
    expect(await api.database.db.task.findUnique({ where: { id: t.id } })).toBeNull();

    const row = rows[0]!;
    expectOutboxHeader(row, { eventType: 'TaskDeleted', key: t.id, version: 3, userId: user, topic: TOPICS.tasks });
    const decoded = await decodePayload(row.payload);
    expect(decoded).toMatchObject({ id: t.id, user_id: user, is_recurring_template: true });
    expect(typeof decoded.deleted_at).toBe('number');
    expect(Math.abs(Date.parse(row.occurredAt) - (decoded.deleted_at as number))).toBeLessThan(1000);

    expect((await api.call(user, 'GET', `/tasks/${t.id}`)).status).toBe(404);
    const again = await newOutboxRows(() => api.call(user, 'DELETE', `/tasks/${t.id}`), 0);
    expect(again.result.status).toBe(404);
  });

  test('every outbox row of a task has its own event id, a valid traceparent and increasing versions', async () => {
    const user = newUser();
    const t = await create(user, { title: 'lifecycle' });
    await api.call(user, 'PATCH', `/tasks/${t.id}`, { title: 'lifecycle 2' });
    await api.call(user, 'POST', `/tasks/${t.id}/complete`);
    await api.call(user, 'POST', `/tasks/${t.id}/complete`);
    await api.call(user, 'DELETE', `/tasks/${t.id}`);
    const rows = await outboxRows(api.database.db, t.id);
    expect(rows.map((r) => `${r.eventType}@${r.aggregateVersion}`)).toEqual([
      'TaskCreated@1',
      'TaskUpdated@2',
      'TaskCompleted@3',
      'TaskDeleted@4',
    ]);
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(4);
    for (const r of rows) {
      expect(r.traceparent).toMatch(TRACEPARENT);
      expect(r.userId).toBe(user);
      expect(r.messageKey).toBe(t.id);
    }
    // Each request starts its own trace when none is sent.
    expect(new Set(rows.map((r) => r.traceparent.split('-')[1])).size).toBe(4);
  });

  describe('list', () => {
    const user = newUser('lister');
    const byTitle = new Map<string, any>();
    const list = async (query: string) => {
      const r = await api.call(user, 'GET', `/tasks${query}`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['items', 'nextCursor']);
      return r.body as { items: any[]; nextCursor: string | null };
    };
    const titles = (page: { items: any[] }) => page.items.map((t) => t.title);

    beforeAll(async () => {
      const specs = [
        { title: 'Buy milk', priority: 'High', tags: ['errands'], dueDate: '2026-11-26T17:00:00.000Z' },
        { title: 'Dentist appointment', priority: 'Medium', tags: ['health'], dueDate: '2026-11-30T09:00:00.000Z' },
        {
          title: 'Write report',
          priority: 'High',
          tags: ['work'],
          dueDate: '2026-11-27T09:00:00.000Z',
          description: 'quarterly NUMBERS',
        },
        { title: 'Water plants', priority: 'Low', tags: ['home'], dueDate: '2026-12-05T09:00:00.000Z' },
        { title: 'Read a book', priority: 'Low', tags: [] },
        {
          title: 'Pay 50% deposit',
          priority: 'Medium',
          tags: ['errands', 'money'],
          dueDate: '2026-11-25T12:00:00.000Z',
        },
      ];
      for (const s of specs) {
        byTitle.set(s.title, await create(user, s));
        await new Promise((r) => setTimeout(r, 5)); // distinct createdAt
      }
      await api.call(user, 'POST', `/tasks/${byTitle.get('Dentist appointment').id}/complete`);
      // Another user's tasks never show up.
      await create(newUser(), { title: 'Buy milk', priority: 'High', tags: ['errands'] });
    });

    test("default: all of the user's tasks, newest first", async () => {
      const page = await list('');
      expect(titles(page)).toEqual([
        'Pay 50% deposit',
        'Read a book',
        'Water plants',
        'Write report',
        'Dentist appointment',
        'Buy milk',
      ]);
      expect(page.nextCursor).toBeNull();
      for (const t of page.items) expect(Object.keys(t).sort()).toEqual(TASK_FIELDS);
    });

    test('status filter', async () => {
      expect(titles(await list('?status=completed'))).toEqual(['Dentist appointment']);
      expect(titles(await list('?status=pending')).sort()).toEqual([
        'Buy milk',
        'Pay 50% deposit',
        'Read a book',
        'Water plants',
        'Write report',
      ]);
      expect((await list('?status=all')).items).toHaveLength(6);
    });

    test('priority and tag filters', async () => {
      expect(titles(await list('?priority=High')).sort()).toEqual(['Buy milk', 'Write report']);
      expect(titles(await list('?priority=Low&sort=createdAt&order=asc'))).toEqual(['Water plants', 'Read a book']);
      expect(titles(await list('?tag=errands')).sort()).toEqual(['Buy milk', 'Pay 50% deposit']);
      expect(titles(await list('?tag=money'))).toEqual(['Pay 50% deposit']);
      expect(titles(await list('?tag=errands&priority=Medium'))).toEqual(['Pay 50% deposit']);
      expect((await list('?tag=nothing')).items).toEqual([]);
    });

    test('due date range is inclusive on both ends and skips tasks without a due date', async () => {
      const r = await list(
        `?dueFrom=${encodeURIComponent('2026-11-26T17:00:00.000Z')}&dueTo=${encodeURIComponent('2026-11-30T09:00:00.000Z')}&sort=dueDate&order=asc`,
      );
      expect(titles(r)).toEqual(['Buy milk', 'Write report', 'Dentist appointment']);
      expect(titles(await list('?dueFrom=2026-12-01&sort=dueDate&order=asc'))).toEqual(['Water plants']);
      expect(titles(await list('?dueTo=2026-11-26T00:00:00Z'))).toEqual(['Pay 50% deposit']);
    });

    test('q searches title and description, case-insensitively, literally', async () => {
      expect(titles(await list('?q=MILK'))).toEqual(['Buy milk']);
      expect(titles(await list('?q=numbers'))).toEqual(['Write report']);
      expect(titles(await list(`?q=${encodeURIComponent('50%')}`))).toEqual(['Pay 50% deposit']);
      // % and _ are ordinary characters, not wildcards.
      expect((await list(`?q=${encodeURIComponent('b%k')}`)).items).toEqual([]);
      expect((await list(`?q=${encodeURIComponent('B_y')}`)).items).toEqual([]);
      expect(titles(await list(`?q=${encodeURIComponent('0% d')}`))).toEqual(['Pay 50% deposit']);
      expect((await list(`?q=${encodeURIComponent('\\')}`)).items).toEqual([]);
      expect((await list('?q=zzz')).items).toEqual([]);
    });

    test('sort by dueDate puts tasks without a due date last in both directions', async () => {
      expect(titles(await list('?sort=dueDate&order=asc'))).toEqual([
        'Pay 50% deposit',
        'Buy milk',
        'Write report',
        'Dentist appointment',
        'Water plants',
        'Read a book',
      ]);
      expect(titles(await list('?sort=dueDate&order=desc'))).toEqual([
        'Water plants',
        'Dentist appointment',
        'Write report',
        'Buy milk',
        'Pay 50% deposit',
        'Read a book',
      ]);
    });

    test('sort by priority follows Low < Medium < High, ties by id', async () => {
      const asc = (await list('?sort=priority&order=asc')).items;
      expect(asc.map((t) => t.priority)).toEqual(['Low', 'Low', 'Medium', 'Medium', 'High', 'High']);
      const desc = (await list('?sort=priority&order=desc')).items;
      expect(desc.map((t) => t.priority)).toEqual(['High', 'High', 'Medium', 'Medium', 'Low', 'Low']);
      for (const items of [asc, desc]) {
        for (let i = 1; i < items.length; i++) {
          if (items[i].priority === items[i - 1].priority) expect(items[i].id > items[i - 1].id).toBe(true);
        }
      }
    });

    test('sort by createdAt in both directions', async () => {
      const asc = titles(await list('?sort=createdAt&order=asc'));
      expect(asc).toEqual([
        'Buy milk',
        'Dentist appointment',
        'Write report',
        'Water plants',
        'Read a book',
        'Pay 50% deposit',
      ]);
      expect(titles(await list('?sort=createdAt&order=desc'))).toEqual([...asc].reverse());
    });
  });

  describe('pagination', () => {
    const user = newUser('pager');
    const all: any[] = [];

    beforeAll(async () => {
      // 23 tasks: several share a due date or priority, several have none, so ties must be broken.
      const prios = ['Low', 'Medium', 'High'];
      for (let i = 0; i < 23; i++) {
        const dueDate = i % 4 === 0 ? undefined : `2026-12-${String(1 + (i % 5)).padStart(2, '0')}T09:00:00.000Z`;
        all.push(await create(user, { title: `task ${i}`, priority: prios[i % 3], ...(dueDate && { dueDate }) }));
      }
    });

    async function walk(query: string, limit: number) {
      const seen: any[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: { status: number; body: any } = await api.call(
          user,
          'GET',
          `/tasks?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(r.status).toBe(200);
        pages += 1;
        expect(r.body.items.length).toBeLessThanOrEqual(limit);
        if (r.body.nextCursor) expect(r.body.items).toHaveLength(limit);
        seen.push(...r.body.items);
        cursor = r.body.nextCursor;
        expect(pages).toBeLessThan(30);
      } while (cursor);
      return { seen, pages };
    }

    const rank = { Low: 0, Medium: 1, High: 2 } as Record<string, number>;
    const cases: [string, (a: any, b: any) => number][] = [
      [
        'sort=createdAt&order=desc',
        (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? -1 : 1),
      ],
      [
        'sort=createdAt&order=asc',
        (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : 1),
      ],
      ['sort=priority&order=desc', (a, b) => rank[b.priority]! - rank[a.priority]! || (a.id < b.id ? -1 : 1)],
      ['sort=priority&order=asc', (a, b) => rank[a.priority]! - rank[b.priority]! || (a.id < b.id ? -1 : 1)],
      [
        'sort=dueDate&order=asc',
        (a, b) =>
          (a.dueDate === null ? 1 : 0) - (b.dueDate === null ? 1 : 0) ||
          Date.parse(a.dueDate ?? 0) - Date.parse(b.dueDate ?? 0) ||
          (a.id < b.id ? -1 : 1),
      ],
      [
        'sort=dueDate&order=desc',
        (a, b) =>
          (a.dueDate === null ? 1 : 0) - (b.dueDate === null ? 1 : 0) ||
          Date.parse(b.dueDate ?? 0) - Date.parse(a.dueDate ?? 0) ||
          (a.id < b.id ? -1 : 1),
      ],
    ];

    test.each(cases)('%s: every task exactly once, in order, across pages', async (query, compare) => {
      const { seen, pages } = await walk(query, 5);
      expect(pages).toBe(5);
      expect(seen.map((t) => t.id)).toEqual([...all].sort(compare).map((t) => t.id));
      expect(new Set(seen.map((t) => t.id)).size).toBe(23);
    });

    test('a filtered listing pages too; a page size dividing the total ends with a null cursor', async () => {
      const { seen } = await walk('priority=High&sort=dueDate&order=asc', 2);
      const high = all.filter((t) => t.priority === 'High');
      expect(seen.map((t) => t.id).sort()).toEqual(high.map((t) => t.id).sort());
      const exact = await walk('sort=createdAt', 23);
      expect(exact.pages).toBe(1);
      expect(exact.seen).toHaveLength(23);
    });

    test('a cursor that is not a uuid is a 400 naming cursor', async () => {
      const r = await api.call(user, 'GET', '/tasks?cursor=abc');
      expect(r.status).toBe(400);
      expect(r.body.errors.map((e: any) => e.field)).toEqual(['cursor']);
    });
  });
});
