/**
 * POST /api/:userId/chat with the rule interpreter and a fixed clock (Wednesday 2026-11-25 10:00 UTC):
 * each message gives the right tool call and the right rows (tasks, reminders, outbox, messages).
 */
import { TOPICS } from '../../lib/topics.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { counts, decodePayload, expectOutboxHeader, newUser, outboxRows } from './api-checks.js';

const NOW = new Date('2026-11-25T10:00:00Z');

describe('chat', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ clock: () => new Date(NOW) });
  });
  afterAll(async () => {
    await api.stop();
  });

  const chat = async (user: string, message: string, conversationId?: string) => {
    const r = await api.call(user, 'POST', '/chat', {
      message,
      ...(conversationId && { conversation_id: conversationId }),
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['conversation_id', 'response', 'tool_calls']);
    return r as {
      status: number;
      body: { conversation_id: string; response: string; tool_calls: { tool: string; args: any; result: any }[] };
      headers: Headers;
    };
  };
  const task = async (user: string, body: Record<string, unknown>) => {
    const r = await api.call(user, 'POST', '/tasks', body);
    expect(r.status).toBe(201);
    return r.body as { id: string; [k: string]: any };
  };
  const newRows = async (user: string, since: number) =>
    (await outboxRows(api.database.db)).filter((r) => r.userId === user).slice(since);
  const rowCount = async (user: string) => (await outboxRows(api.database.db)).filter((r) => r.userId === user).length;

  test('"add buy milk tomorrow at 5pm, high priority, #errands" adds the task and its TaskCreated event', async () => {
    const user = newUser();
    const r = await chat(user, 'add buy milk tomorrow at 5pm, high priority, #errands');
    expect(r.body.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.tool_calls).toHaveLength(1);
    const call = r.body.tool_calls[0]!;
    expect(call.tool).toBe('add_task');
    expect(call.args).toEqual({
      title: 'buy milk',
      dueDate: '2026-11-26T17:00:00.000Z',
      priority: 'High',
      tags: ['errands'],
    });
    expect(call.result).toMatchObject({
      title: 'buy milk',
      dueDate: '2026-11-26T17:00:00.000Z',
      priority: 'High',
      tags: ['errands'],
      completed: false,
      version: 1,
    });
    // Local, human form (this user has the default zone, UTC), never a raw ISO string.
    expect(r.body.response).toBe('Added "buy milk" due Thu 26 Nov, 5:00 PM.');

    const rows = await api.database.db.task.findMany({ where: { userId: user } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: call.result.id,
      title: 'buy milk',
      priority: 'High',
      tags: ['errands'],
      dueDate: new Date('2026-11-26T17:00:00.000Z'),
    });

    const events = await outboxRows(api.database.db, call.result.id);
    expect(events).toHaveLength(1);
    expectOutboxHeader(events[0]!, {
      eventType: 'TaskCreated',
      key: call.result.id,
      version: 1,
      userId: user,
      topic: TOPICS.tasks,
    });
    // The event carries the chat request's trace.
    expect(events[0]!.traceparent).toBe(r.headers.get('traceparent'));
    expect(await decodePayload(events[0]!.payload)).toMatchObject({
      id: call.result.id,
      user_id: user,
      title: 'buy milk',
      priority: 'High',
      tags: ['errands'],
      due_date: Date.parse('2026-11-26T17:00:00.000Z'),
    });

    // The turn is stored: the user's message, then the answer with its tool calls.
    const messages = await api.database.db.message.findMany({
      where: { conversationId: r.body.conversation_id },
      orderBy: { createdAt: 'asc' },
    });
    expect(messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'add buy milk tomorrow at 5pm, high priority, #errands'],
      ['assistant', r.body.response],
    ]);
    expect(messages[1]!.toolCalls).toEqual(r.body.tool_calls);
    expect(
      await api.database.db.conversation.findUniqueOrThrow({ where: { id: r.body.conversation_id } }),
    ).toMatchObject({ userId: user });
  });

  test('"every monday remind me to water the plants" adds a weekly recurring template', async () => {
    const user = newUser();
    const r = await chat(user, 'every monday remind me to water the plants');
    expect(r.body.tool_calls.map((c) => [c.tool, c.args])).toEqual([
      ['add_task', { title: 'water the plants', isRecurringTemplate: true, recurrencePattern: 'weekly:mon' }],
    ]);
    const t = await api.database.db.task.findFirstOrThrow({ where: { userId: user } });
    expect(t).toMatchObject({
      title: 'water the plants',
      isRecurringTemplate: true,
      recurrencePattern: 'weekly:mon',
      dueDate: null,
    });
    const events = await outboxRows(api.database.db, t.id);
    expect(events.map((e) => e.eventType)).toEqual(['TaskCreated']);
    expect(await decodePayload(events[0]!.payload)).toMatchObject({
      is_recurring_template: true,
      recurrence_pattern: 'weekly:mon',
    });
    expect(r.body.response).toBe('Added "water the plants", repeating every Mon.');
  });

  test('"what\'s due this week?" lists the pending tasks due Monday..Sunday, writes no event', async () => {
    const user = newUser();
    await task(user, { title: 'monday start', dueDate: '2026-11-23T00:00:00.000Z' });
    await task(user, { title: 'buy milk', dueDate: '2026-11-26T17:00:00.000Z' });
    await task(user, { title: 'sunday night', dueDate: '2026-11-29T23:59:59.999Z' });
    await task(user, { title: 'next week', dueDate: '2026-11-30T00:00:00.000Z' });
    await task(user, { title: 'no date' });
    const done = await task(user, { title: 'already done', dueDate: '2026-11-27T09:00:00.000Z' });
    await api.call(user, 'POST', `/tasks/${done.id}/complete`);
    await task(newUser(), { title: 'someone else', dueDate: '2026-11-26T09:00:00.000Z' });

    const before = await counts(api.database.db);
    const r = await chat(user, "what's due this week?");
    expect(r.body.tool_calls).toHaveLength(1);
    expect(r.body.tool_calls[0]!.tool).toBe('list_tasks');
    expect(r.body.tool_calls[0]!.args).toEqual({
      status: 'pending',
      dueFrom: '2026-11-23T00:00:00.000Z',
      dueTo: '2026-11-29T23:59:59.999Z',
    });
    expect(r.body.tool_calls[0]!.result.items.map((t: any) => t.title)).toEqual([
      'monday start',
      'buy milk',
      'sunday night',
    ]);
    expect(r.body.response).toBe(
      'You have 3 tasks:\n- monday start (due Mon 23 Nov, 12:00 AM)\n- buy milk (due Thu 26 Nov, 5:00 PM)\n- sunday night (due Sun 29 Nov, 11:59 PM)',
    );
    const after = await counts(api.database.db);
    expect(after).toEqual({ ...before, conversations: before.conversations + 1, messages: before.messages + 2 });
  });

  test('"mark buy milk done" completes the task and writes TaskCompleted', async () => {
    const user = newUser();
    const milk = await task(user, { title: 'buy milk' });
    await task(user, { title: 'buy bread' });
    const r = await chat(user, 'mark buy milk done');
    expect(r.body.tool_calls.map((c) => [c.tool, c.args])).toEqual([['complete_task', { task: 'buy milk' }]]);
    expect(r.body.tool_calls[0]!.result).toMatchObject({ id: milk.id, completed: true, version: 2 });
    expect(r.body.response).toBe('Marked "buy milk" as done.');
    expect(await api.database.db.task.findUniqueOrThrow({ where: { id: milk.id } })).toMatchObject({
      completed: true,
      version: 2,
    });
    const events = await outboxRows(api.database.db, milk.id);
    expect(events.map((e) => `${e.eventType}@${e.aggregateVersion}`)).toEqual(['TaskCreated@1', 'TaskCompleted@2']);
    expectOutboxHeader(events[1]!, {
      eventType: 'TaskCompleted',
      key: milk.id,
      version: 2,
      userId: user,
      topic: TOPICS.tasks,
    });
    expect(await api.database.db.task.count({ where: { userId: user, completed: true } })).toBe(1);

    // Saying it again changes nothing and emits nothing.
    const since = await rowCount(user);
    const again = await chat(user, 'mark buy milk done');
    expect(again.body.tool_calls[0]!.result).toMatchObject({ id: milk.id, completed: true, version: 2 });
    expect(await newRows(user, since)).toEqual([]);
  });

  test('"delete the dentist task" deletes the dentist appointment and writes TaskDeleted', async () => {
    const user = newUser();
    const dentist = await task(user, { title: 'dentist appointment', dueDate: '2026-11-30T09:00:00.000Z' });
    const other = await task(user, { title: 'call the doctor' });
    const r = await chat(user, 'delete the dentist task');
    expect(r.body.tool_calls.map((c) => [c.tool, c.args, c.result])).toEqual([
      ['delete_task', { task: 'dentist' }, { id: dentist.id, deleted: true }],
    ]);
    expect(r.body.response).toBe('Deleted "dentist appointment".');
    expect(await api.database.db.task.findUnique({ where: { id: dentist.id } })).toBeNull();
    expect(await api.database.db.task.findUnique({ where: { id: other.id } })).not.toBeNull();
    const events = await outboxRows(api.database.db, dentist.id);
    expect(events.map((e) => `${e.eventType}@${e.aggregateVersion}`)).toEqual(['TaskCreated@1', 'TaskDeleted@2']);
    expect(await decodePayload(events[1]!.payload)).toMatchObject({
      id: dentist.id,
      user_id: user,
      is_recurring_template: false,
    });
  });

  test('"move the report to friday" reschedules "write the report" and writes TaskUpdated', async () => {
    const user = newUser();
    const report = await task(user, { title: 'write the report', dueDate: '2026-11-25T17:00:00.000Z' });
    const r = await chat(user, 'move the report to friday');
    expect(r.body.tool_calls.map((c) => [c.tool, c.args])).toEqual([
      ['update_task', { task: 'report', changes: { dueDay: '2026-11-27' } }],
    ]);
    // A new day without a time keeps the task's time of day (17:00).
    expect(r.body.tool_calls[0]!.result).toMatchObject({
      id: report.id,
      dueDate: '2026-11-27T17:00:00.000Z',
      version: 2,
    });
    expect(r.body.response).toBe('Updated "write the report": now due Fri 27 Nov, 5:00 PM.');
    expect((await api.database.db.task.findUniqueOrThrow({ where: { id: report.id } })).dueDate?.toISOString()).toBe(
      '2026-11-27T17:00:00.000Z',
    );
    const events = await outboxRows(api.database.db, report.id);
    expect(events.map((e) => `${e.eventType}@${e.aggregateVersion}`)).toEqual(['TaskCreated@1', 'TaskUpdated@2']);
    expect(await decodePayload(events[1]!.payload)).toMatchObject({
      due_date: Date.parse('2026-11-27T17:00:00.000Z'),
      changed_fields: ['due_date'],
    });
  });

  test('"remind me about the report tomorrow at 9am" schedules a reminder and writes ReminderScheduled', async () => {
    const user = newUser();
    const report = await task(user, { title: 'write the report' });
    const since = await rowCount(user);
    const r = await chat(user, 'remind me about the report tomorrow at 9am');
    expect(r.body.tool_calls.map((c) => [c.tool, c.args])).toEqual([
      ['set_reminder', { task: 'report', remindAt: '2026-11-26T09:00:00.000Z' }],
    ]);
    const result = r.body.tool_calls[0]!.result;
    expect(result).toMatchObject({ taskId: report.id, remindAt: '2026-11-26T09:00:00.000Z', status: 'Scheduled' });
    expect(r.body.response).toBe('I\'ll remind you about "write the report" on Thu 26 Nov, 9:00 AM.');

    const reminders = await api.database.db.reminder.findMany({ where: { userId: user } });
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({
      id: result.id,
      taskId: report.id,
      remindAt: new Date('2026-11-26T09:00:00.000Z'),
      source: 'explicit',
      status: 'Scheduled',
      version: 1,
    });

    const rows = await newRows(user, since);
    expect(rows).toHaveLength(1);
    expectOutboxHeader(rows[0]!, {
      eventType: 'ReminderScheduled',
      key: result.id,
      version: 1,
      userId: user,
      topic: TOPICS.reminders,
    });
    expect(rows[0]!.topic).toBe('todo.reminders.events');
    expect(await decodePayload(rows[0]!.payload)).toEqual({
      id: result.id,
      task_id: report.id,
      user_id: user,
      remind_at: Date.parse('2026-11-26T09:00:00.000Z'),
      task_title: 'write the report',
      source: 'explicit',
    });
    // The task itself is untouched.
    expect(await api.database.db.task.findUniqueOrThrow({ where: { id: report.id } })).toMatchObject({ version: 1 });
  });

  test.each<
    [string, string, { title: string; dueDate?: string; isRecurringTemplate?: boolean; recurrencePattern?: string }]
  >([
    ['please add call mom tonight, thanks', 'add_task', { title: 'call mom', dueDate: '2026-11-25T20:00:00.000Z' }],
    [
      'every day at 8am take vitamins',
      'add_task',
      {
        title: 'take vitamins',
        dueDate: '2026-11-26T08:00:00.000Z',
        isRecurringTemplate: true,
        recurrencePattern: 'daily',
      },
    ],
    [
      'i need to call the plumber tomorrow morning',
      'add_task',
      { title: 'call the plumber', dueDate: '2026-11-26T09:00:00.000Z' },
    ],
  ])('"%s" adds a task', async (message, tool, args) => {
    const user = newUser();
    const r = await chat(user, message);
    expect(r.body.tool_calls.map((c) => [c.tool, c.args])).toEqual([[tool, args]]);
    const t = await api.database.db.task.findFirstOrThrow({ where: { userId: user } });
    expect(t.title).toBe(args.title);
    expect(t.dueDate?.toISOString()).toBe(args.dueDate);
    expect(t.recurrencePattern).toBe(args.recurrencePattern ?? null);
    expect((await outboxRows(api.database.db, t.id)).map((e) => e.eventType)).toEqual(['TaskCreated']);
  });

  describe('changes to an existing task', () => {
    const cases: [string, string, unknown, Record<string, unknown>, string[]][] = [
      [
        'rename report to quarterly report',
        'update_task',
        { task: 'report', changes: { title: 'quarterly report' } },
        { title: 'quarterly report' },
        ['title'],
      ],
      [
        'set report priority to low',
        'update_task',
        { task: 'report', changes: { priority: 'Low' } },
        { priority: 'Low' },
        ['priority'],
      ],
      [
        'tag report with #work, #q4',
        'update_task',
        { task: 'report', changes: { tags: ['work', 'q4'] } },
        { tags: ['work', 'q4'] },
        ['tags'],
      ],
      [
        'reschedule report to next monday at 2pm',
        'update_task',
        { task: 'report', changes: { dueDate: '2026-11-30T14:00:00.000Z' } },
        { dueDate: new Date('2026-11-30T14:00:00.000Z') },
        ['due_date'],
      ],
      ['I finished the report', 'complete_task', { task: 'report' }, { completed: true }, []],
    ];
    test.each(cases)('"%s" → %s', async (message, tool, args, changed, changedFields) => {
      const user = newUser();
      const report = await task(user, { title: 'write the report', priority: 'Medium' });
      const bystander = await task(user, { title: 'buy milk' });
      const r = await chat(user, message);
      expect(r.body.tool_calls.map((c) => [c.tool, c.args])).toEqual([[tool, args]]);
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: report.id } })).toMatchObject({
        ...changed,
        version: 2,
      });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: bystander.id } })).toMatchObject({
        version: 1,
      });
      const events = await outboxRows(api.database.db, report.id);
      expect(events).toHaveLength(2);
      expect(events[1]!.eventType).toBe(tool === 'complete_task' ? 'TaskCompleted' : 'TaskUpdated');
      if (tool === 'update_task')
        expect((await decodePayload(events[1]!.payload)).changed_fields).toEqual(changedFields);
    });

    test('"stop repeating gym" turns a template back into a plain task', async () => {
      const user = newUser();
      const gym = await task(user, { title: 'gym', recurrencePattern: 'weekly:mon,wed' });
      const r = await chat(user, 'stop repeating gym');
      expect(r.body.tool_calls.map((c) => [c.tool, c.args])).toEqual([
        ['update_task', { task: 'gym', changes: { isRecurringTemplate: false, recurrencePattern: null } }],
      ]);
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: gym.id } })).toMatchObject({
        isRecurringTemplate: false,
        recurrencePattern: null,
        version: 2,
      });
    });

    test('"show high priority tasks" and "find tasks about report" list without writing events', async () => {
      const user = newUser();
      await task(user, { title: 'write the report', priority: 'High' });
      await task(user, { title: 'buy milk', priority: 'High', description: 'for the report meeting' });
      await task(user, { title: 'water plants', priority: 'Low' });
      const since = await rowCount(user);
      const high = await chat(user, 'show high priority tasks');
      expect(high.body.tool_calls[0]).toMatchObject({
        tool: 'list_tasks',
        args: { status: 'pending', priority: 'High' },
      });
      expect(high.body.tool_calls[0]!.result.items.map((t: any) => t.title).sort()).toEqual([
        'buy milk',
        'write the report',
      ]);
      const found = await chat(user, 'find tasks about report');
      expect(found.body.tool_calls[0]).toMatchObject({
        tool: 'list_tasks',
        args: { status: 'pending', search: 'report' },
      });
      expect(found.body.tool_calls[0]!.result.items.map((t: any) => t.title).sort()).toEqual([
        'buy milk',
        'write the report',
      ]);
      const none = await chat(user, "what's overdue");
      expect(none.body.tool_calls[0]).toMatchObject({
        tool: 'list_tasks',
        args: { status: 'pending', dueTo: '2026-11-25T10:00:00.000Z' },
      });
      expect(none.body.response).toBe('You have no tasks matching that.');
      expect(await newRows(user, since)).toEqual([]);
    });
  });

  describe('messages that cannot be carried out', () => {
    test('an un-understood message answers with help, calls no tool, changes nothing but the conversation', async () => {
      const user = newUser();
      await task(user, { title: 'buy milk' });
      const before = await counts(api.database.db);
      const r = await chat(user, 'asdfghjkl');
      expect(r.body.tool_calls).toEqual([]);
      expect(r.body.response).toMatch(/didn't understand/);
      expect(r.body.response).toContain('add buy milk tomorrow at 5pm');
      const after = await counts(api.database.db);
      expect(after).toEqual({ ...before, conversations: before.conversations + 1, messages: before.messages + 2 });
      const help = await chat(user, 'what can you do?');
      expect(help.body.tool_calls).toEqual([]);
      expect(help.body.response).toContain('remind me about the report tomorrow at 9am');
    });

    test('a task that does not exist: the tool call reports the error, nothing changes', async () => {
      const user = newUser();
      await task(user, { title: 'buy milk' });
      const before = await counts(api.database.db);
      for (const message of [
        'mark unicorn done',
        'delete the unicorn task',
        'move unicorn to friday',
        'remind me about unicorn tomorrow at 9am',
      ]) {
        const r = await chat(user, message);
        expect(r.body.tool_calls).toHaveLength(1);
        expect(r.body.tool_calls[0]!.result).toEqual({ error: 'I couldn\'t find a task matching "unicorn".' });
        expect(r.body.response).toBe('I couldn\'t find a task matching "unicorn".');
      }
      const after = await counts(api.database.db);
      expect({ ...after, conversations: 0, messages: 0 }).toEqual({ ...before, conversations: 0, messages: 0 });
    });

    test('an ambiguous reference asks which task, nothing changes', async () => {
      const user = newUser();
      await task(user, { title: 'report for sales' });
      await task(user, { title: 'report for finance' });
      const since = await rowCount(user);
      const r = await chat(user, 'mark report done');
      expect(r.body.tool_calls[0]).toMatchObject({ tool: 'complete_task', args: { task: 'report' } });
      expect(r.body.response).toMatch(
        /^Several tasks match "report"\. Which one\?\n- "report for (sales|finance)"\n- "report for (sales|finance)"$/,
      );
      expect(await api.database.db.task.count({ where: { userId: user, completed: true } })).toBe(0);
      expect(await newRows(user, since)).toEqual([]);
    });

    test('% and _ in a task reference match literally, not as wildcards', async () => {
      const user = newUser();
      const exact = await task(user, { title: '100%' });
      const pages = await task(user, { title: '100 pages' });
      const rent = await task(user, { title: 'pay 100% of rent' });
      const r = await chat(user, 'delete 100%');
      expect(r.body.tool_calls[0]).toMatchObject({
        tool: 'delete_task',
        args: { task: '100%' },
        result: { id: exact.id, deleted: true },
      });
      const done = await chat(user, 'mark 100% done');
      expect(done.body.tool_calls[0]).toMatchObject({
        tool: 'complete_task',
        args: { task: '100%' },
        result: { id: rent.id, completed: true },
      });
      expect(await api.database.db.task.findUniqueOrThrow({ where: { id: pages.id } })).toMatchObject({
        completed: false,
        version: 1,
      });
    });
  });

  describe('conversations', () => {
    test('conversation_id continues a conversation; every turn stores the user message and the answer', async () => {
      const user = newUser();
      const first = await chat(user, 'add write the report tomorrow');
      const id = first.body.conversation_id;
      const second = await chat(user, 'remind me about the report tomorrow at 9am', id);
      const third = await chat(user, 'gibberish xyzzy', id);
      expect([second.body.conversation_id, third.body.conversation_id]).toEqual([id, id]);
      expect(await api.database.db.conversation.count({ where: { userId: user } })).toBe(1);

      const messages = await api.database.db.message.findMany({
        where: { conversationId: id },
        orderBy: [{ createdAt: 'asc' }, { role: 'desc' }],
      });
      expect(messages.map((m) => [m.role, m.content])).toEqual([
        ['user', 'add write the report tomorrow'],
        ['assistant', first.body.response],
        ['user', 'remind me about the report tomorrow at 9am'],
        ['assistant', second.body.response],
        ['user', 'gibberish xyzzy'],
        ['assistant', third.body.response],
      ]);
      expect(
        messages.filter((m) => m.role === 'assistant').map((m) => (m.toolCalls as any[]).map((c) => c.tool)),
      ).toEqual([['add_task'], ['set_reminder'], []]);
      expect(messages.filter((m) => m.role === 'user').every((m) => m.toolCalls === null)).toBe(true);

      // A turn without conversation_id starts a new one.
      const fresh = await chat(user, 'show my tasks');
      expect(fresh.body.conversation_id).not.toBe(id);
      expect(await api.database.db.conversation.count({ where: { userId: user } })).toBe(2);
    });

    test("another user's conversation_id: 404, and nothing is added to it or anywhere", async () => {
      const alice = newUser('alice');
      const bob = newUser('bob');
      const conv = (await chat(alice, 'add secret plan tomorrow')).body.conversation_id;
      const before = await counts(api.database.db);
      const r = await api.call(bob, 'POST', '/chat', { message: 'add planted task tomorrow', conversation_id: conv });
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ status: 404, code: 'not_found', title: 'conversation not found' });
      expect(await counts(api.database.db)).toEqual(before);
      expect(await api.database.db.message.count({ where: { conversationId: conv } })).toBe(2);
      expect(await api.database.db.task.count({ where: { userId: bob } })).toBe(0);
    });
  });
});
