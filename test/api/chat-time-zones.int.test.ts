/**
 * A person in Tokyo uses the chat on the real stack (API → outbox → relay → Kafka →
 * reminder-scheduler-cg and reminder-trigger-cg): their words are read on Tokyo's wall clock,
 * stored as UTC instants, answered in Tokyo's local time, and a reminder asked for in chat fires
 * (an in-app notification) at the instant they meant, not an hour or a day off.
 * The clock is injected and moved by the test: Wednesday 2026-11-25 10:00 UTC = 19:00 in Tokyo.
 */
import { reminderSchedulerService } from '../../consumers/reminder-scheduler/reminder-scheduler-handler.js';
import { reminderTriggerService } from '../../consumers/reminder-trigger/reminder-trigger-service.js';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import type { RelayService } from '../../relay/relay-service.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';
import { newUser } from './api-checks.js';

describe('chat in the user time zone (Asia/Tokyo), reminders firing on the real stack', () => {
  let now = new Date('2026-11-25T10:00:00.000Z');
  const clock = () => new Date(now.getTime());
  // A user of its own for each test (living in Tokyo), so any one runs alone with -t.
  let user = '';
  let api: TestApi;
  let relay: RelayService;
  let scheduler: RunningConsumerService;
  let trigger: RunningConsumerService;

  beforeAll(async () => {
    api = await startTestApi({ clock });
    relay = await startTestRelay(api.database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
    [scheduler, trigger] = await Promise.all([
      startTestConsumer(reminderSchedulerService, api.database.url, { clock }),
      startTestConsumer(reminderTriggerService, api.database.url, { clock, config: { notifyUrl: undefined } }),
    ]);
  });
  beforeEach(async () => {
    user = newUser('tokyo');
    const put = await api.call(user, 'PUT', '/settings', { timeZone: 'Asia/Tokyo' });
    expect(put).toMatchObject({ status: 200, body: { timeZone: 'Asia/Tokyo' } });
  });
  afterAll(async () => {
    await Promise.all([scheduler?.stop(), trigger?.stop()]);
    await relay?.stop();
    await api?.stop();
  });

  const chat = async (message: string, conversationId?: string) => {
    const r = await api.call(user, 'POST', '/chat', {
      message,
      ...(conversationId && { conversation_id: conversationId }),
    });
    expect(r.status).toBe(200);
    return r.body as {
      conversation_id: string;
      response: string;
      tool_calls: { tool: string; args: any; result: any }[];
    };
  };
  const db = () => api.database.db;
  const triggerPending = (taskId: string, remindAt: string) =>
    waitFor(
      () =>
        db()
          .reminderTrigger.findMany({ where: { taskId, state: 'pending' } })
          .then((ts) => ts.find((t) => t.remindAt.toISOString() === remindAt)),
      { what: `a pending trigger at ${remindAt} for ${taskId}`, timeoutMs: 20_000 },
    );
  const notificationsOf = (taskId: string) => db().notification.findMany({ where: { userId: user, taskId } });
  /** Ticks the trigger consumer at `instant` and returns the task's notifications afterwards. */
  const tickAt = async (instant: string, taskId: string) => {
    now = new Date(instant);
    await trigger.tick();
    return notificationsOf(taskId);
  };

  test('"add buy milk tomorrow at 9am" is stored as 00:00Z of Thursday and answered in Tokyo time', async () => {
    const r = await chat('add buy milk tomorrow at 9am');
    expect(r.tool_calls).toHaveLength(1);
    expect(r.tool_calls[0]).toMatchObject({
      tool: 'add_task',
      args: { title: 'buy milk', dueDate: '2026-11-26T00:00:00.000Z' },
      result: { title: 'buy milk', dueDate: '2026-11-26T00:00:00.000Z' },
    });
    expect(r.response).toBe('Added "buy milk" due Thu 26 Nov, 9:00 AM.');
    expect(r.response).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    const row = await db().task.findFirstOrThrow({ where: { userId: user, title: 'buy milk' } });
    expect(row.dueDate?.toISOString()).toBe('2026-11-26T00:00:00.000Z');

    const listed = await chat("what's due tomorrow?");
    expect(listed.tool_calls[0]!.args).toEqual({
      status: 'pending',
      dueFrom: '2026-11-25T15:00:00.000Z',
      dueTo: '2026-11-26T14:59:59.999Z',
    });
    expect(listed.response).toBe('You have 1 task:\n- buy milk (due Thu 26 Nov, 9:00 AM)');
  });

  test('"remind me about buy milk in 10 minutes" fires a notification at 10:10Z, not before', async () => {
    now = new Date('2026-11-25T10:00:00.000Z');
    await chat('add buy milk tomorrow at 9am');
    const r = await chat('remind me about buy milk in 10 minutes');
    expect(r.tool_calls[0]).toMatchObject({
      tool: 'set_reminder',
      args: { task: 'buy milk', remindAt: '2026-11-25T10:10:00.000Z' },
      result: { remindAt: '2026-11-25T10:10:00.000Z', status: 'Scheduled' },
    });
    expect(r.response).toBe('I\'ll remind you about "buy milk" on Wed 25 Nov, 7:10 PM.');
    const taskId = r.tool_calls[0]!.result.taskId as string;
    await triggerPending(taskId, '2026-11-25T10:10:00.000Z');

    expect(await tickAt('2026-11-25T10:09:59.000Z', taskId)).toEqual([]);
    const fired = await tickAt('2026-11-25T10:10:00.000Z', taskId);
    expect(fired.map((n) => [n.title, n.remindAt.toISOString()])).toEqual([['buy milk', '2026-11-25T10:10:00.000Z']]);
  });

  test('"remind me to call mom tomorrow at 8am", then "remind me 30 minutes before": fires at 22:30Z', async () => {
    now = new Date('2026-11-25T10:00:00.000Z');
    const first = await chat('remind me to call mom tomorrow at 8am');
    expect(first.tool_calls[0]).toMatchObject({
      tool: 'add_task',
      args: { title: 'call mom', dueDate: '2026-11-25T23:00:00.000Z', reminderLeadMinutes: 0 },
    });
    expect(first.response).toBe('Added "call mom" due Thu 26 Nov, 8:00 AM. I\'ll remind you then.');
    const taskId = first.tool_calls[0]!.result.id as string;
    await triggerPending(taskId, '2026-11-25T23:00:00.000Z');

    // "it" is the task this conversation just added.
    const second = await chat('remind me 30 minutes before', first.conversation_id);
    expect(second.tool_calls[0]).toMatchObject({
      tool: 'update_task',
      args: { task: 'it', changes: { reminderLeadMinutes: 30 } },
      result: { id: taskId, reminderLeadMinutes: 30 },
    });
    expect(second.response).toBe('Updated "call mom": I\'ll remind you 30 minutes before, Thu 26 Nov, 7:30 AM.');
    await triggerPending(taskId, '2026-11-25T22:30:00.000Z');

    expect(await tickAt('2026-11-25T22:29:00.000Z', taskId)).toEqual([]);
    const fired = await tickAt('2026-11-25T22:30:00.000Z', taskId);
    expect(fired.map((n) => [n.title, n.remindAt.toISOString()])).toEqual([['call mom', '2026-11-25T22:30:00.000Z']]);
    // The reminder at 23:00Z was replaced, not kept: nothing more fires at the due time.
    expect(await tickAt('2026-11-25T23:00:00.000Z', taskId)).toHaveLength(1);
  });

  test('"move it to saturday" keeps 8:00 Tokyo time', async () => {
    now = new Date('2026-11-25T10:00:00.000Z');
    const added = await chat('add dentist friday at 8am');
    expect(added.tool_calls[0]!.args.dueDate).toBe('2026-11-26T23:00:00.000Z');
    const moved = await chat('move it to saturday', added.conversation_id);
    expect(moved.tool_calls[0]).toMatchObject({
      tool: 'update_task',
      args: { task: 'it', changes: { dueDay: '2026-11-28' } },
      result: { title: 'dentist', dueDate: '2026-11-27T23:00:00.000Z' },
    });
    expect(moved.response).toBe('Updated "dentist": now due Sat 28 Nov, 8:00 AM.');
    const pushed = await chat('push it back a day', added.conversation_id);
    expect(pushed.tool_calls[0]).toMatchObject({
      tool: 'update_task',
      args: { task: 'it', changes: { dueShift: { amount: 1, unit: 'days' } } },
      result: { title: 'dentist', dueDate: '2026-11-28T23:00:00.000Z' },
    });
    expect(pushed.response).toBe('Updated "dentist": now due Sun 29 Nov, 8:00 AM.');
    // A task without a due date cannot be moved by an amount: the user hears why, nothing changes.
    const plain = await chat('add learn the cello');
    const refused = await chat('push the cello back a day', plain.conversation_id);
    expect(refused.tool_calls[0]!.result).toEqual({ error: expect.stringContaining('no due date') });
    expect((await db().task.findUniqueOrThrow({ where: { id: plain.tool_calls[0]!.result.id } })).version).toBe(1);
  });
});
