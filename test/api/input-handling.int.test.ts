/** Bad input is refused with a precise answer and writes nothing; Idempotency-Key makes POSTs safe to retry. */
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { counts, newUser, outboxRows, type Counts } from './api-checks.js';

describe('input handling', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  /** The distinct fields an error names (one field may fail several rules). */
  const fieldsOf = (body: any): string[] =>
    [...new Set((body.errors as { field: string }[]).map((e) => e.field))].sort();

  /** Runs `fn` and asserts that no table changed. */
  async function writesNothing(fn: () => Promise<void>): Promise<void> {
    const before: Counts = await counts(api.database.db);
    await fn();
    expect(await counts(api.database.db)).toEqual(before);
  }

  /** A request with a raw (string) body and an explicit content type. */
  async function rawBody(user: string, method: string, path: string, body: string, contentType = 'application/json') {
    const res = await fetch(`${api.baseUrl}/api/${user}${path}`, {
      method,
      headers: { authorization: `Bearer ${await api.token(user)}`, 'content-type': contentType },
      body,
    });
    return { status: res.status, body: JSON.parse(await res.text()), headers: res.headers };
  }

  describe('validation', () => {
    const user = newUser();

    test.each([
      ['unknown field', { title: 'x', colour: 'red' }, ['colour']],
      ['two unknown fields', { title: 'x', colour: 'red', userId: 'someone-else' }, ['colour', 'userId']],
      ['missing title', { priority: 'High' }, ['title']],
      ['empty title', { title: '' }, ['title']],
      ['blank title', { title: '   \t ' }, ['title']],
      ['title too long', { title: 'x'.repeat(501) }, ['title']],
      ['title not a string', { title: 42 }, ['title']],
      ['bad priority', { title: 'x', priority: 'Urgent' }, ['priority']],
      ['lower-case priority', { title: 'x', priority: 'high' }, ['priority']],
      ['bad dueDate (words)', { title: 'x', dueDate: 'next tuesday' }, ['dueDate']],
      ['bad dueDate (month 13)', { title: 'x', dueDate: '2026-13-01T09:00:00Z' }, ['dueDate']],
      ['bad dueDate (February 30)', { title: 'x', dueDate: '2026-02-30T09:00:00Z' }, ['dueDate']],
      ['bad dueDate (not ISO)', { title: 'x', dueDate: '11/26/2026' }, ['dueDate']],
      ['bad dueDate (number)', { title: 'x', dueDate: 1795807766337 }, ['dueDate']],
      ['bad recurrencePattern', { title: 'x', recurrencePattern: 'sometimes' }, ['recurrencePattern']],
      ['bad recurrencePattern (monthly:45)', { title: 'x', recurrencePattern: 'monthly:45' }, ['recurrencePattern']],
      ['template without pattern', { title: 'x', isRecurringTemplate: true }, ['recurrencePattern']],
      ['bad tag', { title: 'x', tags: ['ok', '#bad'] }, ['tags.1']],
      ['tags not an array', { title: 'x', tags: 'work' }, ['tags']],
      ['bad reminderLeadMinutes', { title: 'x', reminderLeadMinutes: -5 }, ['reminderLeadMinutes']],
      ['fractional reminderLeadMinutes', { title: 'x', reminderLeadMinutes: 1.5 }, ['reminderLeadMinutes']],
      [
        'every field wrong at once',
        {
          title: '',
          priority: 'P0',
          dueDate: 'soon',
          recurrencePattern: 'often',
          tags: [''],
          isRecurringTemplate: 'yes',
          extra: 1,
        },
        ['dueDate', 'extra', 'isRecurringTemplate', 'priority', 'recurrencePattern', 'tags.0', 'title'],
      ],
    ])('create, %s: 400 naming the field(s)', async (_name, body, fields) => {
      await writesNothing(async () => {
        const r = await api.call(user, 'POST', '/tasks', body);
        expect(r.status).toBe(400);
        expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(r.body).toMatchObject({ status: 400, title: 'invalid request' });
        expect(fieldsOf(r.body)).toEqual([...fields].sort());
        for (const e of r.body.errors) expect(typeof e.message).toBe('string');
      });
    });

    test.each([
      ['a JSON array', '[{"title":"x"}]', 'invalid request'],
      ['a JSON string', '"buy milk"', 'malformed JSON'],
      ['a JSON number', '42', 'malformed JSON'],
      ['JSON null', 'null', 'malformed JSON'],
      ['malformed JSON', '{"title": "x",', 'malformed JSON'],
      ['not JSON at all', 'title=x', 'malformed JSON'],
    ])('create with %s as body: 400 naming body', async (_name, body, title) => {
      await writesNothing(async () => {
        const r = await rawBody(user, 'POST', '/tasks', body);
        expect(r.status).toBe(400);
        expect(r.body.title).toBe(title);
        expect(fieldsOf(r.body)).toEqual(['body']);
      });
    });

    test('a body that is not sent as JSON is refused as not an object', async () => {
      await writesNothing(async () => {
        const r = await rawBody(user, 'POST', '/tasks', '{"title":"x"}', 'text/plain');
        expect(r.status).toBe(400);
        expect(fieldsOf(r.body)).toEqual(['body']);
      });
    });

    test('patch: empty, unknown and invalid fields are named; nothing changes', async () => {
      const t = (await api.call(user, 'POST', '/tasks', { title: 'patch target' })).body;
      await writesNothing(async () => {
        const empty = await api.call(user, 'PATCH', `/tasks/${t.id}`, {});
        expect(empty.status).toBe(400);
        expect(fieldsOf(empty.body)).toEqual(['body']);
        const bad = await api.call(user, 'PATCH', `/tasks/${t.id}`, {
          id: 'x',
          version: 7,
          title: '',
          completed: 'yes',
          dueDate: '2026-02-31',
        });
        expect(bad.status).toBe(400);
        expect(fieldsOf(bad.body)).toEqual(['completed', 'dueDate', 'id', 'title', 'version']);
        const arr = await rawBody(user, 'PATCH', `/tasks/${t.id}`, '[]');
        expect(arr.status).toBe(400);
        expect(fieldsOf(arr.body)).toEqual(['body']);
        const broken = await rawBody(user, 'PATCH', `/tasks/${t.id}`, '{"title":');
        expect(broken.status).toBe(400);
        expect(fieldsOf(broken.body)).toEqual(['body']);
      });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: t.id } })).toMatchObject({
        title: 'patch target',
        version: 1,
      });
    });

    test('patch that would leave a template without a pattern is refused after the update ran, and rolled back', async () => {
      const t = (await api.call(user, 'POST', '/tasks', { title: 'weekly review', recurrencePattern: 'weekly:fri' }))
        .body;
      expect(t.isRecurringTemplate).toBe(true);
      await writesNothing(async () => {
        const r = await api.call(user, 'PATCH', `/tasks/${t.id}`, { recurrencePattern: null });
        expect(r.status).toBe(400);
        expect(fieldsOf(r.body)).toEqual(['recurrencePattern']);
      });
      const stored = await api.database.db.task.findUniqueOrThrow({ where: { id: t.id } });
      expect(stored).toMatchObject({ recurrencePattern: 'weekly:fri', isRecurringTemplate: true, version: 1 });
      expect((await outboxRows(api.database.db, t.id)).map((r) => r.eventType)).toEqual(['TaskCreated']);

      const plain = (await api.call(user, 'POST', '/tasks', { title: 'plain 2' })).body;
      await writesNothing(async () => {
        const r = await api.call(user, 'PATCH', `/tasks/${plain.id}`, { isRecurringTemplate: true });
        expect(r.status).toBe(400);
        expect(fieldsOf(r.body)).toEqual(['recurrencePattern']);
      });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: plain.id } })).toMatchObject({
        isRecurringTemplate: false,
        version: 1,
      });
    });

    test.each([
      ['status=bogus', ['status']],
      ['priority=urgent', ['priority']],
      ['sort=title', ['sort']],
      ['order=up', ['order']],
      ['limit=0', ['limit']],
      ['limit=101', ['limit']],
      ['limit=ten', ['limit']],
      ['dueFrom=tomorrow', ['dueFrom']],
      ['dueTo=2026-02-30', ['dueTo']],
      ['tag=%23work', ['tag']],
      ['foo=1', ['foo']],
      ['tag=a&tag=b', ['tag']],
      ['status=done&sort=x&limit=1000', ['limit', 'sort', 'status']],
    ])('list with %s: 400 naming the field(s)', async (query, fields) => {
      const r = await api.call(user, 'GET', `/tasks?${query}`);
      expect(r.status).toBe(400);
      expect(fieldsOf(r.body)).toEqual(fields);
    });

    test('chat: missing, empty, overlong or extra fields are named', async () => {
      await writesNothing(async () => {
        for (const [body, fields] of [
          [{}, ['message']],
          [{ message: '   ' }, ['message']],
          [{ message: 'x'.repeat(2001) }, ['message']],
          [{ message: 7 }, ['message']],
          [{ message: 'add x', userId: 'other' }, ['userId']],
        ] as const) {
          const r = await api.call(user, 'POST', '/chat', body);
          expect([JSON.stringify(body).slice(0, 40), r.status]).toEqual([JSON.stringify(body).slice(0, 40), 400]);
          expect(fieldsOf(r.body)).toEqual(fields);
        }
        const broken = await rawBody(user, 'POST', '/chat', '{"message": ');
        expect(broken.status).toBe(400);
        expect(fieldsOf(broken.body)).toEqual(['body']);
      });
    });
  });

  describe('sizes, routes and ids', () => {
    const user = newUser();

    test('a body over 64 KiB: 413, nothing written', async () => {
      await writesNothing(async () => {
        const big = JSON.stringify({ title: 'big', description: 'x'.repeat(65 * 1024) });
        const r = await rawBody(user, 'POST', '/tasks', big);
        expect(r.status).toBe(413);
        expect(r.body).toMatchObject({ status: 413, title: 'request body too large' });
        expect(r.body.detail).toContain(String(64 * 1024));
        const chat = await rawBody(user, 'POST', '/chat', JSON.stringify({ message: 'y'.repeat(70_000) }));
        expect(chat.status).toBe(413);
      });
      // Just under the limit is parsed (and then judged on its fields).
      const under = await rawBody(
        user,
        'POST',
        '/tasks',
        JSON.stringify({ title: 'big', description: 'x'.repeat(60 * 1024) }),
      );
      expect(under.status).toBe(400);
      expect(fieldsOf(under.body)).toEqual(['description']);
    });

    test('unknown routes: 404 problem+json', async () => {
      for (const path of ['/nope', '/api', '/tasks']) {
        const res = await fetch(`${api.baseUrl}${path}`);
        expect([path, res.status]).toEqual([path, 404]);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      for (const [method, path] of [
        ['GET', '/nope'],
        ['POST', '/tasks/search'],
        ['PUT', '/tasks'],
        ['GET', '/chat'],
        ['POST', '/tasks/00000000-0000-4000-8000-000000000000/uncomplete'],
      ] as const) {
        const r = await api.call(user, method, path);
        expect([method, path, r.status]).toEqual([method, path, 404]);
        expect(r.body.code).toBe('not_found');
      }
    });

    test('a malformed task id: 404 for every task route, nothing written', async () => {
      await writesNothing(async () => {
        for (const id of ['not-a-uuid', '123', '00000000-0000-4000-8000-00000000000g', "1' or '1'='1", '%00']) {
          const rs = [
            await api.call(user, 'GET', `/tasks/${id}`),
            await api.call(user, 'PATCH', `/tasks/${id}`, { title: 'x' }),
            await api.call(user, 'DELETE', `/tasks/${id}`),
            await api.call(user, 'POST', `/tasks/${id}/complete`),
          ];
          expect([id, ...rs.map((r) => r.status)]).toEqual([id, 404, 404, 404, 404]);
        }
      });
    });

    test('a malformed or unknown conversation_id: 404, nothing written', async () => {
      await writesNothing(async () => {
        for (const conversation_id of ['abc', '00000000-0000-4000-8000-000000000000']) {
          const r = await api.call(user, 'POST', '/chat', { message: 'add buy milk tomorrow', conversation_id });
          expect(r.status).toBe(404);
          expect(r.body.title).toBe('conversation not found');
        }
      });
    });
  });

  describe('Idempotency-Key', () => {
    test('the same key twice: the same answer, replayed, one task and one outbox row', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'create-milk-1' };
      const first = await api.call(user, 'POST', '/tasks', { title: 'buy milk' }, headers);
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const second = await api.call(user, 'POST', '/tasks', { title: 'buy milk' }, headers);
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body).toEqual(first.body);
      expect(await api.database.db.task.count({ where: { userId: user } })).toBe(1);
      expect(await outboxRows(api.database.db, first.body.id)).toHaveLength(1);
      expect(await api.database.db.outboxEvent.count({ where: { userId: user } })).toBe(1);
    });

    test('the same key in 10 concurrent requests: exactly one task, every answer identical', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'burst-1' };
      const rs = await Promise.all(
        Array.from({ length: 10 }, () => api.call(user, 'POST', '/tasks', { title: 'once only' }, headers)),
      );
      expect(rs.map((r) => r.status)).toEqual(Array(10).fill(201));
      const ids = new Set(rs.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      for (const r of rs) expect(r.body).toEqual(rs[0]!.body);
      expect(rs.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
      expect(await api.database.db.task.count({ where: { userId: user } })).toBe(1);
      expect(await api.database.db.outboxEvent.count({ where: { userId: user } })).toBe(1);
      expect(await api.database.db.idempotentRequest.count({ where: { userId: user } })).toBe(1);
    });

    test('the same key on a different path: 422, nothing written', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'reused-1' };
      const t = await api.call(user, 'POST', '/tasks', { title: 'first use' }, headers);
      expect(t.status).toBe(201);
      await writesNothing(async () => {
        const complete = await api.call(user, 'POST', `/tasks/${t.body.id}/complete`, undefined, headers);
        expect(complete.status).toBe(422);
        expect(complete.body).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
        const chat = await api.call(user, 'POST', '/chat', { message: 'add buy bread tomorrow' }, headers);
        expect(chat.status).toBe(422);
      });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: t.body.id } })).toMatchObject({
        completed: false,
        version: 1,
      });
    });

    test('keys belong to a user: another user with the same key gets their own task', async () => {
      const [a, b] = [newUser('a'), newUser('b')];
      const headers = { 'idempotency-key': 'shared-key' };
      const ra = await api.call(a, 'POST', '/tasks', { title: 'for a' }, headers);
      const rb = await api.call(b, 'POST', '/tasks', { title: 'for b' }, headers);
      expect([ra.status, rb.status]).toEqual([201, 201]);
      expect(rb.headers.get('idempotent-replayed')).toBeNull();
      expect(rb.body.id).not.toBe(ra.body.id);
      expect(rb.body.title).toBe('for b');
    });

    test('a request that failed does not use up its key', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'retry-after-failure' };
      await writesNothing(async () => {
        const invalid = await api.call(user, 'POST', '/tasks', { title: '' }, headers);
        expect(invalid.status).toBe(400);
        const missing = await api.call(
          user,
          'POST',
          '/tasks/00000000-0000-4000-8000-000000000000/complete',
          undefined,
          headers,
        );
        expect(missing.status).toBe(404);
      });
      const ok = await api.call(user, 'POST', '/tasks', { title: 'finally' }, headers);
      expect(ok.status).toBe(201);
      expect(ok.headers.get('idempotent-replayed')).toBeNull();
    });

    test('a chat turn with a key runs once', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'chat-1' };
      const first = await api.call(user, 'POST', '/chat', { message: 'add call the bank tomorrow' }, headers);
      const second = await api.call(user, 'POST', '/chat', { message: 'add call the bank tomorrow' }, headers);
      expect(first.status).toBe(200);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body).toEqual(first.body);
      expect(await api.database.db.task.count({ where: { userId: user } })).toBe(1);
      expect(await api.database.db.conversation.count({ where: { userId: user } })).toBe(1);
    });

    test('an invalid key: 400 naming Idempotency-Key', async () => {
      const user = newUser();
      await writesNothing(async () => {
        for (const key of ['has space', 'k'.repeat(201)]) {
          const r = await api.call(user, 'POST', '/tasks', { title: 'x' }, { 'idempotency-key': key });
          expect(r.status).toBe(400);
          expect(fieldsOf(r.body)).toEqual(['Idempotency-Key']);
        }
      });
    });
  });
});
