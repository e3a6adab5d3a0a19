/**
 * Careless and hostile input (issue 16): due dates the system cannot store, render or schedule,
 * NUL characters, and an Idempotency-Key reused for another request. Each is refused with a 4xx
 * naming what is wrong, and nothing is written: no task row, no outbox row, no stored key.
 */
import { LlmInterpreter } from '../../api/chat/llm-interpreter.js';
import { startTestApi, TEST_JWT_SECRET, type TestApi } from '../helpers/test-api.js';
import { signToken } from '../../api/http/auth.js';
import { counts, newUser, outboxRows, type Counts } from './api-checks.js';

/** An OpenAI-compatible reply whose one tool call is the next of `replies`. */
function scriptedModel(replies: { name: string; args: unknown }[]): typeof fetch {
  return async () => {
    const next = replies.shift();
    if (!next) throw new Error('the scripted model has no reply left');
    const message = {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call-1', type: 'function', function: { name: next.name, arguments: JSON.stringify(next.args) } },
      ],
    };
    return new Response(JSON.stringify({ choices: [{ message }] }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
}

describe('hostile input', () => {
  let api: TestApi;
  /** What the LLM path's scripted model answers next. */
  const modelReplies: { name: string; args: unknown }[] = [];
  let llmApi: TestApi;

  beforeAll(async () => {
    [api, llmApi] = await Promise.all([
      startTestApi(),
      startTestApi({
        interpreter: new LlmInterpreter({
          baseUrl: 'http://llm.invalid/v1',
          apiKey: '',
          model: 'scripted',
          fetchImpl: scriptedModel(modelReplies),
        }),
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), llmApi?.stop()]);
  });

  const fieldsOf = (body: any): string[] =>
    [...new Set(((body?.errors ?? []) as { field: string }[]).map((e) => e.field))].sort();

  async function writesNothing(on: TestApi, fn: () => Promise<void>): Promise<void> {
    const before: Counts = await counts(on.database.db);
    await fn();
    expect(await counts(on.database.db)).toEqual(before);
  }

  const expect400 = (r: { status: number; body: any; headers: Headers }, fields: string[]) => {
    expect({ status: r.status, fields: fieldsOf(r.body) }).toEqual({ status: 400, fields });
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  };

  describe('due dates outside 1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z', () => {
    const outOfRange = [
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:30:00+01:00',
      '+010000-01-01T00:00:00Z',
      '-000001-01-01T00:00:00Z',
    ];

    test.each(outOfRange)('REST create with dueDate %s: 400 naming dueDate, nothing written', async (dueDate) => {
      const user = newUser();
      await writesNothing(api, async () => {
        const r = await api.call(user, 'POST', '/tasks', { title: 'out of range', dueDate });
        expect400(r, ['dueDate']);
        expect(r.body.errors[0].message).toBe('must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z');
      });
      // The user's own list keeps working.
      expect((await api.call(user, 'GET', '/tasks')).status).toBe(200);
    });

    test('the range is inclusive at both ends, and each end renders and lists', async () => {
      const user = newUser();
      for (const dueDate of ['1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
        const r = await api.call(user, 'POST', '/tasks', { title: `edge ${dueDate}`, dueDate });
        expect([dueDate, r.status, r.body.dueDate]).toEqual([dueDate, 201, dueDate]);
        expect((await api.call(user, 'GET', `/tasks/${r.body.id}`)).body.dueDate).toBe(dueDate);
      }
      const list = await api.call(user, 'GET', '/tasks?sort=dueDate&order=asc');
      expect(list.status).toBe(200);
      expect(list.body.items.map((t: any) => t.dueDate)).toEqual([
        '1970-01-01T00:00:00.000Z',
        '9999-12-31T23:59:59.999Z',
      ]);
    });

    test('REST update to a year-0 due date: 400 naming dueDate; the task and its events stay as they were', async () => {
      const user = newUser();
      const t = (await api.call(user, 'POST', '/tasks', { title: 'keep my date', dueDate: '2026-12-24T09:00:00Z' }))
        .body;
      await writesNothing(api, async () => {
        expect400(await api.call(user, 'PATCH', `/tasks/${t.id}`, { dueDate: '0000-01-01T00:00:00Z' }), ['dueDate']);
      });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: t.id } })).toMatchObject({
        dueDate: new Date('2026-12-24T09:00:00Z'),
        version: 1,
      });
      expect((await outboxRows(api.database.db, t.id)).map((r) => r.eventType)).toEqual(['TaskCreated']);
    });

    test('list filters outside the range: 400 naming dueFrom and dueTo', async () => {
      const user = newUser();
      expect400(await api.call(user, 'GET', '/tasks?dueFrom=0000-01-01T00:00:00Z&dueTo=1969-01-01T00:00:00Z'), [
        'dueFrom',
        'dueTo',
      ]);
    });

    // The rule interpreter reads only years 1970 to 9999 as dates; at the ends of that range a person's
    // zone moves the instant outside it, which the shared validation refuses.
    test('chat: a task due on 1970-01-01 at 1am in Tokyo (1969 in UTC) is refused naming dueDate; no task, no outbox row', async () => {
      const user = newUser();
      expect((await api.call(user, 'PUT', '/settings', { timeZone: 'Asia/Tokyo' })).status).toBe(200);
      const before = await counts(api.database.db);
      const r = await api.call(user, 'POST', '/chat', { message: 'add dig up the time capsule on 1970-01-01 at 1am' });
      expect(r.status).toBe(200);
      expect(r.body.tool_calls.map((c: any) => c.tool)).toEqual(['add_task']);
      expect(r.body.tool_calls[0].result.error).toMatch(/dueDate must be between 1970/);
      const after = await counts(api.database.db);
      expect({ tasks: after.tasks, outbox: after.outbox }).toEqual({ tasks: before.tasks, outbox: before.outbox });
      // "show my tasks" still answers.
      expect((await api.call(user, 'POST', '/chat', { message: 'show my tasks' })).status).toBe(200);
    });

    test('chat: a task due on 9999-12-31 at 11pm in UTC-12 (year 10000 in UTC) is refused naming dueDate', async () => {
      const user = newUser();
      expect((await api.call(user, 'PUT', '/settings', { timeZone: 'Etc/GMT+12' })).status).toBe(200);
      const before = await counts(api.database.db);
      const r = await api.call(user, 'POST', '/chat', { message: 'add open the vault on 9999-12-31 at 11pm' });
      expect(r.status).toBe(200);
      expect(r.body.tool_calls.map((c: any) => c.tool)).toEqual(['add_task']);
      expect(r.body.tool_calls[0].result.error).toMatch(/dueDate must be between 1970/);
      const after = await counts(api.database.db);
      expect({ tasks: after.tasks, outbox: after.outbox }).toEqual({ tasks: before.tasks, outbox: before.outbox });
    });

    test('chat: a reminder on 1970-01-01 at 1am in Tokyo is refused naming remindAt; no reminder, no outbox row', async () => {
      const user = newUser();
      expect((await api.call(user, 'PUT', '/settings', { timeZone: 'Asia/Tokyo' })).status).toBe(200);
      const t = (await api.call(user, 'POST', '/tasks', { title: 'report' })).body;
      const before = await counts(api.database.db);
      const r = await api.call(user, 'POST', '/chat', { message: 'remind me about the report on 1970-01-01 at 1am' });
      expect(r.status).toBe(200);
      expect(r.body.tool_calls.map((c: any) => c.tool)).toEqual(['set_reminder']);
      expect(r.body.tool_calls[0].result.error).toMatch(/remindAt must be between 1970/);
      const after = await counts(api.database.db);
      expect({ reminders: after.reminders, outbox: after.outbox }).toEqual({
        reminders: before.reminders,
        outbox: before.outbox,
      });
      expect(await outboxRows(api.database.db, t.id)).toHaveLength(1);
    });

    test('LLM tool path: add_task and update_task with a year-0 due date are refused naming dueDate', async () => {
      const user = newUser();
      const t = (await llmApi.call(user, 'POST', '/tasks', { title: 'tax return', dueDate: '2027-04-30T09:00:00Z' }))
        .body;
      modelReplies.push(
        { name: 'add_task', args: { title: 'ancient', dueDate: '0000-01-01T00:00:00Z' } },
        { name: 'update_task', args: { task: 'tax return', changes: { dueDate: '1969-07-20T20:17:00Z' } } },
      );
      const before = await counts(llmApi.database.db);
      for (const message of ['add ancient in year zero', 'move the tax return to the moon landing']) {
        const r = await llmApi.call(user, 'POST', '/chat', { message });
        expect(r.status).toBe(200);
        expect(r.body.tool_calls).toHaveLength(1);
        expect(r.body.tool_calls[0].result.error).toMatch(/dueDate must be between 1970/);
      }
      const after = await counts(llmApi.database.db);
      expect({ tasks: after.tasks, outbox: after.outbox }).toEqual({ tasks: before.tasks, outbox: before.outbox });
      expect(await llmApi.database.db.task.findUniqueOrThrow({ where: { id: t.id } })).toMatchObject({
        dueDate: new Date('2027-04-30T09:00:00Z'),
        version: 1,
      });
    });
  });

  describe('NUL characters (U+0000)', () => {
    test.each([
      ['title', { title: 'milk\u0000' }, ['title']],
      ['description', { title: 'milk', description: 'two\u0000litres' }, ['description']],
      ['a tag', { title: 'milk', tags: ['ok', 'sho\u0000pping'] }, ['tags.1']],
      ['a key', { title: 'milk', 'ti\u0000tle': 'x' }, ['ti\\u0000tle']],
      [
        'several fields',
        { title: '\u0000', description: '\u0000', tags: ['\u0000'] },
        ['description', 'tags.0', 'title'],
      ],
    ])('create with NUL in %s: 400 naming it, nothing written', async (_name, body, fields) => {
      const user = newUser();
      await writesNothing(api, async () => {
        const r = await api.call(user, 'POST', '/tasks', body);
        expect400(r, fields);
        expect(r.body.errors[0].message).toMatch(/NUL/);
      });
    });

    test('update with NUL in the title: 400 naming title, the task unchanged', async () => {
      const user = newUser();
      const t = (await api.call(user, 'POST', '/tasks', { title: 'clean' })).body;
      await writesNothing(api, async () => {
        expect400(await api.call(user, 'PATCH', `/tasks/${t.id}`, { title: 'dirty\u0000' }), ['title']);
      });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: t.id } })).toMatchObject({
        title: 'clean',
        version: 1,
      });
    });

    test.each([
      ['q=milk%00', ['q']],
      ['tag=work%00', ['tag']],
      ['q=%00&tag=%00', ['q', 'tag']],
    ])('list with %s: 400 naming the query parameter', async (query, fields) => {
      expect400(await api.call(newUser(), 'GET', `/tasks?${query}`), fields);
    });

    test('chat message with NUL: 400 naming message, no conversation or task written', async () => {
      const user = newUser();
      await writesNothing(api, async () => {
        expect400(await api.call(user, 'POST', '/chat', { message: 'add buy milk\u0000 tomorrow' }), ['message']);
      });
    });

    test('a token whose sub has NUL, on its own path: 400 naming sub, nothing written', async () => {
      const user = `eve\u0000${newUser()}`;
      const token = await signToken(TEST_JWT_SECRET, user, '1h');
      const path = `/api/${encodeURIComponent(user)}`;
      await writesNothing(api, async () => {
        for (const [method, route, body] of [
          ['GET', '/tasks', undefined],
          ['POST', '/tasks', { title: 'planted' }],
          ['POST', '/chat', { message: 'add planted tomorrow' }],
        ] as const) {
          const res = await fetch(`${api.baseUrl}${path}${route}`, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: body && JSON.stringify(body),
          });
          const r = { status: res.status, body: await res.json(), headers: res.headers };
          expect400(r, ['sub']);
        }
      });
    });

    test("LLM tool path: a model's call carrying NUL is not run (no 500); no task or outbox row written", async () => {
      const user = newUser();
      await llmApi.call(user, 'POST', '/tasks', { title: 'report' });
      modelReplies.push(
        { name: 'add_task', args: { title: 'milk\u0000' } },
        { name: 'complete_task', args: { task: 'rep\u0000ort' } },
        { name: 'list_tasks', args: { search: '\u0000' } },
      );
      const before = await counts(llmApi.database.db);
      for (const message of ['add milk', 'finish the report', 'find it']) {
        const r = await llmApi.call(user, 'POST', '/chat', { message });
        expect([message, r.status, r.body.tool_calls]).toEqual([message, 200, []]);
      }
      const after = await counts(llmApi.database.db);
      expect({ tasks: after.tasks, outbox: after.outbox }).toEqual({ tasks: before.tasks, outbox: before.outbox });
    });

    test('the path user id with NUL: never reaches the database (404 for a token of another user)', async () => {
      const user = newUser();
      await writesNothing(api, async () => {
        const res = await fetch(`${api.baseUrl}/api/${user}%00/tasks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await api.token(user)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'x' }),
        });
        expect(res.status).toBe(404);
      });
    });
  });

  describe('Idempotency-Key reused for a different request', () => {
    test('same key, different body: 422 problem, nothing written, the first task untouched', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'reuse-body-1' };
      const first = await api.call(user, 'POST', '/tasks', { title: 'first body', priority: 'High' }, headers);
      expect(first.status).toBe(201);
      const stored = await api.database.db.idempotentRequest.findUniqueOrThrow({
        where: { userId_key: { userId: user, key: 'reuse-body-1' } },
      });
      await writesNothing(api, async () => {
        const second = await api.call(user, 'POST', '/tasks', { title: 'second body', priority: 'High' }, headers);
        expect(second.status).toBe(422);
        expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(second.headers.get('idempotent-replayed')).toBeNull();
        expect(second.body).toMatchObject({
          type: 'about:blank',
          status: 422,
          code: 'idempotency_key_reused',
          title: 'Idempotency-Key was already used for a different request',
        });
      });
      expect(await api.database.db.task.findMany({ where: { userId: user } })).toEqual([
        expect.objectContaining({ id: first.body.id, title: 'first body', version: 1 }),
      ]);
      expect(await api.database.db.outboxEvent.count({ where: { userId: user } })).toBe(1);
      expect(
        await api.database.db.idempotentRequest.findUniqueOrThrow({
          where: { userId_key: { userId: user, key: 'reuse-body-1' } },
        }),
      ).toEqual(stored);
    });

    test('same key, same body with its keys in another order: the stored response, replayed', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'reorder-1' };
      const first = await api.call(
        user,
        'POST',
        '/tasks',
        { title: 'same', tags: ['a', 'b'], priority: 'Low' },
        headers,
      );
      const again = await api.call(
        user,
        'POST',
        '/tasks',
        `{"priority":"Low","tags":["a","b"],"title":"same"}`,
        headers,
      );
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      // Tag order is part of the request: a different list is a different request.
      const reordered = await api.call(
        user,
        'POST',
        '/tasks',
        { title: 'same', tags: ['b', 'a'], priority: 'Low' },
        headers,
      );
      expect(reordered.status).toBe(422);
      expect(await api.database.db.task.count({ where: { userId: user } })).toBe(1);
    });

    test('a chat turn: same key, another message: 422, no conversation, message or task written', async () => {
      const user = newUser();
      const headers = { 'idempotency-key': 'chat-reuse-1' };
      const first = await api.call(user, 'POST', '/chat', { message: 'add call the bank tomorrow' }, headers);
      expect(first.status).toBe(200);
      await writesNothing(api, async () => {
        const other = await api.call(user, 'POST', '/chat', { message: 'add sell the car tomorrow' }, headers);
        expect(other.status).toBe(422);
        expect(other.body).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
      });
      expect((await api.database.db.task.findMany({ where: { userId: user } })).map((t) => t.title)).toEqual([
        'call the bank',
      ]);
    });
  });
});
