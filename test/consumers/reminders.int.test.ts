/**
 * reminder-scheduler-cg and reminder-trigger-cg on the real stack: API (REST and chat) → outbox →
 * relay → Kafka → the scheduler (reminder rows + ReminderScheduled/Dismissed through the outbox)
 * → relay → Kafka → the trigger consumer's schedule, and its tick delivering to a local HTTP
 * receiver (or to Notification rows) and emitting ReminderTriggered. Time is an injected clock the
 * test moves; ticks are driven by the test.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Reminder } from '@prisma/client';
import { consumerConfig, type ConsumerConfig } from '../../consumers/config.js';
import type { RunningConsumerService, Ticker } from '../../consumers/consumer-service.js';
import {
  createReminderSchedulerHandler,
  reminderSchedulerService,
} from '../../consumers/reminder-scheduler/reminder-scheduler-handler.js';
import type { ConsumedEvent } from '../../lib/consumer/consumed-event.js';
import { reminderTriggerService } from '../../consumers/reminder-trigger/reminder-trigger-service.js';
import { connectionConfig } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { prismaSqlTx } from '../../lib/db/sql-tx.js';
import { TOPICS } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { TopicCollector, testKafka, type CollectedRecord } from '../helpers/kafka.js';
import { produce } from '../helpers/task-records.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The notification service stand-in: counts calls and successful deliveries per Idempotency-Key. */
class Receiver {
  readonly calls = new Map<string, number>();
  readonly delivered = new Map<string, number>();
  readonly bodies = new Map<string, any>();
  /** Keys answered with 500 (a failing receiver). */
  readonly failFor = new Set<string>();
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const key = String(req.headers['idempotency-key'] ?? '');
        this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
        if (this.failFor.has(key)) return void res.writeHead(500).end();
        this.delivered.set(key, (this.delivered.get(key) ?? 0) + 1);
        this.bodies.set(key, { ...JSON.parse(body), contentType: req.headers['content-type'] });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notify`;
    return this;
  }

  get totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

interface DecodedEvent {
  eventId: string;
  type: string;
  version: number;
  headers: Record<string, string>;
  payload: Record<string, any>;
}

describe('reminders: reminder-scheduler-cg and reminder-trigger-cg', () => {
  const kafka = testKafka('reminders-test');
  const registry = new SchemaRegistry({ host: connectionConfig().schemaRegistryUrl });
  /** Each test's own user (set in beforeEach). */
  let user = `reminders-${randomUUID()}`;
  let now = new Date();
  const clock = () => new Date(now.getTime());
  let api: TestApi;
  let relay: RelayService;
  let collector: TopicCollector;
  let receiver: Receiver;
  let scheduler: RunningConsumerService & { kafkaGroupId: string };
  let trigger: RunningConsumerService & { kafkaGroupId: string };

  const startTrigger = (config: Partial<ConsumerConfig>) =>
    startTestConsumer(reminderTriggerService, api.database.url, { clock, config, kafkaGroupId: trigger?.kafkaGroupId });

  /** A second trigger scheduler (another replica), sharing only the database with the service. */
  const otherTicker = (): Ticker =>
    reminderTriggerService.createTicker!({
      db: api.database.db,
      codec: api.codec,
      config: { ...consumerConfig('reminder-trigger-cg'), databaseUrl: api.database.url, notifyUrl: receiver.url },
      logger: createLogger('reminders-test', 'silent'),
      clock,
    });

  const db = () => api.database.db;
  const remindersOf = (taskId: string) =>
    db().reminder.findMany({ where: { taskId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const reminder = (id: string) => db().reminder.findUniqueOrThrow({ where: { id } });
  const triggerOf = (reminderId: string) => db().reminderTrigger.findUnique({ where: { reminderId } });
  const processed = (group: string, eventId: string) =>
    db()
      .processedEvent.count({ where: { consumerGroup: group, eventId } })
      .then((n) => n === 1);

  const decoded = new Map<string, Record<string, any>>();
  /** The events of one key on a topic, once per event id, in offset order. */
  async function eventsOf(key: string, topic: string = TOPICS.reminders): Promise<DecodedEvent[]> {
    const out = new Map<string, DecodedEvent>();
    for (const r of collector.records as CollectedRecord[]) {
      if (r.key !== key || r.topic !== topic || !r.value) continue;
      const id = r.headers['event-id']!;
      if (!decoded.has(id)) decoded.set(id, (await registry.decode(r.value)) as Record<string, any>);
      if (!out.has(id))
        out.set(id, {
          eventId: id,
          type: r.headers['event-type']!,
          version: Number(r.headers['aggregate-version']),
          headers: r.headers,
          payload: decoded.get(id)!,
        });
    }
    return [...out.values()];
  }
  const waitForEvent = (key: string, type: string, topic: string = TOPICS.reminders) =>
    waitFor(async () => (await eventsOf(key, topic)).find((e) => e.type === type), {
      what: `${type} of ${key} on Kafka`,
      timeoutMs: 20_000,
    });
  const record = (key: string, type: string, version?: number) =>
    waitFor(
      () =>
        collector.records.find(
          (r) =>
            r.key === key &&
            r.headers['event-type'] === type &&
            (version === undefined || r.headers['aggregate-version'] === String(version)),
        ),
      {
        what: `the ${type} record of ${key}`,
        timeoutMs: 20_000,
      },
    );
  /** Waits until the scheduler has handled the task event of this version. */
  async function schedulerHandled(taskId: string, type: string, version: number): Promise<void> {
    const r = await record(taskId, type, version);
    await waitFor(() => processed('reminder-scheduler-cg', r.headers['event-id']!), {
      what: `the scheduler to handle ${type} v${version}`,
      timeoutMs: 20_000,
    });
  }
  const scheduled = (taskId: string, count = 1) =>
    waitFor(
      async () => {
        const rs = (await remindersOf(taskId)).filter((r) => r.status === 'Scheduled');
        return rs.length === count && rs;
      },
      { what: `${count} scheduled reminder(s) of ${taskId}`, timeoutMs: 20_000 },
    );
  const triggerState = (reminderId: string, state: string) =>
    waitFor(() => triggerOf(reminderId).then((t) => t?.state === state && t), {
      what: `trigger ${reminderId} ${state}`,
      timeoutMs: 20_000,
    });

  async function createTask(body: Record<string, unknown>): Promise<any> {
    const res = await api.call(user, 'POST', '/tasks', body);
    expect(res.status).toBe(201);
    return res.body;
  }
  const patch = async (id: string, body: Record<string, unknown>) => {
    const res = await api.call(user, 'PATCH', `/tasks/${id}`, body);
    expect(res.status).toBe(200);
    return res.body;
  };
  const metricCount = async (service: RunningConsumerService, group: string) => {
    const m = new RegExp(`consumer_events_duplicate_total\\{group="${group}"\\} (\\d+)`).exec(
      await (await fetch(service.metricsUrl)).text(),
    );
    return m ? Number(m[1]) : 0;
  };

  beforeAll(async () => {
    api = await startTestApi({ clock });
    collector = await new TopicCollector(kafka, [TOPICS.reminders, TOPICS.tasks]).start(false);
    relay = await startTestRelay(api.database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
    receiver = await new Receiver().start();
    [scheduler, trigger] = await Promise.all([
      startTestConsumer(reminderSchedulerService, api.database.url, { clock }),
      startTestConsumer(reminderTriggerService, api.database.url, { clock, config: { notifyUrl: receiver.url } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([scheduler?.stop(), trigger?.stop()]);
    await relay?.stop();
    await collector?.stop();
    await receiver?.stop();
    await api?.stop();
  });

  /**
   * Every test builds what it needs, as its own user and in its own stretch of time: 30 days before
   * the previous test's, so that no test's tick (which fires every due trigger in the database)
   * finds another test's reminders due. Any one test runs alone with -t.
   */
  let era = Date.now();
  beforeEach(() => {
    user = `reminders-${randomUUID()}`;
    now = new Date(era);
    era -= 30 * DAY;
  });

  /**
   * "file taxes", due in two days (default lead), then moved to three days (v2), given a lead of 30
   * minutes (v3) and renamed "file the taxes" (v4): two dismissed reminders and a third Scheduled.
   */
  async function taxesHistory(): Promise<{ taxes: any; first: Reminder; second: Reminder; third: Reminder }> {
    const due = new Date(now.getTime() + 2 * DAY);
    const due2 = new Date(now.getTime() + 3 * DAY);
    const taxes = await createTask({ title: 'file taxes', dueDate: due.toISOString() });
    const [first] = (await scheduled(taxes.id)) as [Reminder];
    await triggerState(first.id, 'pending');
    await patch(taxes.id, { dueDate: due2.toISOString() });
    await waitFor(async () => (await reminder(first.id)).status === 'Dismissed', {
      what: 'the first reminder dismissed',
    });
    const [second] = (await scheduled(taxes.id)) as [Reminder];
    await patch(taxes.id, { reminderLeadMinutes: 30 });
    await waitFor(async () => (await reminder(second.id)).status === 'Dismissed', {
      what: 'the second reminder dismissed',
    });
    const [third] = (await scheduled(taxes.id)) as [Reminder];
    const renamed = await patch(taxes.id, { title: 'file the taxes' });
    await schedulerHandled(taxes.id, 'TaskUpdated', renamed.version);
    await Promise.all([
      triggerState(first.id, 'dismissed'),
      triggerState(second.id, 'dismissed'),
      triggerState(third.id, 'pending'),
    ]);
    return { taxes, first, second, third };
  }

  /** "the quarterly report" with an explicit reminder asked for in chat, tomorrow at 9:00. */
  async function explicitReport(): Promise<Reminder> {
    const task = await createTask({ title: 'the quarterly report' });
    const res = await api.call(user, 'POST', '/chat', {
      message: 'remind me about the quarterly report tomorrow at 9am',
    });
    expect(res.status).toBe(200);
    const [r] = (await scheduled(task.id)) as [Reminder];
    await triggerState(r.id, 'pending');
    return r;
  }

  /** Reminders due within two days that were dismissed: a completed task's two, a deleted task's one. */
  async function cancelledReminders(): Promise<Reminder[]> {
    const due = new Date(now.getTime() + 2 * DAY);
    const bill = await createTask({ title: 'pay the electricity bill', dueDate: due.toISOString() });
    await scheduled(bill.id);
    const chat = await api.call(user, 'POST', '/chat', {
      message: 'remind me about the electricity bill tomorrow at 9am',
    });
    expect(chat.status).toBe(200);
    const both = await scheduled(bill.id, 2);
    await Promise.all(both.map((r) => triggerState(r.id, 'pending')));
    expect((await api.call(user, 'POST', `/tasks/${bill.id}/complete`)).status).toBe(200);
    const dentist = await createTask({ title: 'book the dentist', dueDate: due.toISOString() });
    const [d] = (await scheduled(dentist.id)) as [Reminder];
    await triggerState(d.id, 'pending');
    expect((await api.call(user, 'DELETE', `/tasks/${dentist.id}`)).status).toBe(200);
    const cancelled = [...both, d];
    await Promise.all(cancelled.map((r) => triggerState(r.id, 'dismissed')));
    return cancelled;
  }

  it('schedules a reminder at the due date minus the lead time, with ReminderScheduled on Kafka', async () => {
    const due = new Date(now.getTime() + 2 * DAY);
    const taxes = await createTask({ title: 'file taxes', dueDate: due.toISOString() });
    const [r] = await scheduled(taxes.id);
    expect(r).toEqual(
      expect.objectContaining({ taskId: taxes.id, userId: user, status: 'Scheduled', source: 'due_date', version: 1 }),
    );
    expect(r!.remindAt.getTime()).toBe(due.getTime() - 15 * MINUTE);

    const e = await waitForEvent(r!.id, 'ReminderScheduled');
    expect(e.version).toBe(1);
    expect(e.headers['user-id']).toBe(user);
    expect(e.payload).toEqual({
      id: r!.id,
      task_id: taxes.id,
      user_id: user,
      remind_at: due.getTime() - 15 * MINUTE,
      task_title: 'file taxes',
      source: 'due_date',
    });
    const t = await triggerState(r!.id, 'pending');
    expect(t).toEqual(
      expect.objectContaining({ taskId: taxes.id, userId: user, taskTitle: 'file taxes', attempts: 0 }),
    );
    expect(t.remindAt.getTime()).toBe(r!.remindAt.getTime());

    // The task's own lead time wins over the default.
    const passport = await createTask({ title: 'renew passport', dueDate: due.toISOString(), reminderLeadMinutes: 60 });
    const [p] = await scheduled(passport.id);
    expect(p!.remindAt.getTime()).toBe(due.getTime() - HOUR);

    // No due date, or a recurring template: no reminder.
    const plain = await createTask({ title: 'someday: learn the cello' });
    const template = await createTask({
      title: 'weekly review',
      dueDate: due.toISOString(),
      recurrencePattern: 'weekly:fri',
    });
    await schedulerHandled(plain.id, 'TaskCreated', 1);
    await schedulerHandled(template.id, 'TaskCreated', 1);
    expect(await remindersOf(plain.id)).toHaveLength(0);
    expect(await remindersOf(template.id)).toHaveLength(0);
  });

  it('reschedules when the due date or the lead time changes, and dismisses when the due date is cleared', async () => {
    const due = new Date(now.getTime() + 2 * DAY);
    const taxes = await createTask({ title: 'file taxes', dueDate: due.toISOString() });
    const passport = await createTask({ title: 'renew passport', dueDate: due.toISOString(), reminderLeadMinutes: 60 });
    const [firstTaxesReminder] = (await scheduled(taxes.id)) as [Reminder];
    await triggerState(firstTaxesReminder.id, 'pending');

    const due2 = new Date(now.getTime() + 3 * DAY);
    await patch(taxes.id, { dueDate: due2.toISOString() });
    await waitFor(async () => (await reminder(firstTaxesReminder.id)).status === 'Dismissed', {
      what: 'the first reminder dismissed',
    });
    const [second] = await scheduled(taxes.id);
    expect(second!.id).not.toBe(firstTaxesReminder.id);
    expect(second!.remindAt.getTime()).toBe(due2.getTime() - 15 * MINUTE);
    const old = await reminder(firstTaxesReminder.id);
    expect(old).toEqual(expect.objectContaining({ status: 'Dismissed', version: 2 }));
    const dismissed = await waitForEvent(old.id, 'ReminderDismissed');
    expect(dismissed.version).toBe(2);
    expect(dismissed.payload).toEqual(
      expect.objectContaining({ id: old.id, task_id: taxes.id, user_id: user, reason: 'rescheduled' }),
    );
    expect((await waitForEvent(second!.id, 'ReminderScheduled')).payload.remind_at).toBe(due2.getTime() - 15 * MINUTE);
    await triggerState(old.id, 'dismissed');
    await triggerState(second!.id, 'pending');

    // A new lead time moves the reminder too.
    await patch(taxes.id, { reminderLeadMinutes: 30 });
    await waitFor(async () => (await reminder(second!.id)).status === 'Dismissed', {
      what: 'the second reminder dismissed',
    });
    const [third] = await scheduled(taxes.id);
    expect(third!.remindAt.getTime()).toBe(due2.getTime() - 30 * MINUTE);
    expect((await waitForEvent(second!.id, 'ReminderDismissed')).payload.reason).toBe('rescheduled');

    // A title change leaves the reminder alone.
    const renamed = await patch(taxes.id, { title: 'file the taxes' });
    await schedulerHandled(taxes.id, 'TaskUpdated', renamed.version);
    const byId = (a: string[], b: string[]) => a[0]!.localeCompare(b[0]!);
    expect((await remindersOf(taxes.id)).map((r) => [r.id, r.status]).sort(byId)).toEqual(
      [
        [firstTaxesReminder.id, 'Dismissed'],
        [second!.id, 'Dismissed'],
        [third!.id, 'Scheduled'],
      ].sort(byId),
    );

    // Due date cleared: dismissed, nothing new.
    const [p] = await scheduled(passport.id);
    await patch(passport.id, { dueDate: null });
    await waitFor(async () => (await reminder(p!.id)).status === 'Dismissed', {
      what: 'the passport reminder dismissed',
    });
    expect((await waitForEvent(p!.id, 'ReminderDismissed')).payload.reason).toBe('due_date_cleared');
    expect((await remindersOf(passport.id)).filter((r) => r.status === 'Scheduled')).toHaveLength(0);
    await triggerState(p!.id, 'dismissed');
  });

  it('dismisses every scheduled reminder of a task, explicit ones too, when it is completed or deleted', async () => {
    const due = new Date(now.getTime() + 2 * DAY);
    const bill = await createTask({ title: 'pay the electricity bill', dueDate: due.toISOString() });
    await scheduled(bill.id);
    const chat = await api.call(user, 'POST', '/chat', {
      message: 'remind me about the electricity bill tomorrow at 9am',
    });
    expect(chat.status).toBe(200);
    expect(chat.body.tool_calls[0]).toEqual(expect.objectContaining({ tool: 'set_reminder' }));
    const both = await scheduled(bill.id, 2);
    expect(both.map((r) => r.source).sort()).toEqual(['due_date', 'explicit']);
    await Promise.all(both.map((r) => triggerState(r.id, 'pending')));

    expect((await api.call(user, 'POST', `/tasks/${bill.id}/complete`)).status).toBe(200);
    for (const r of both) {
      const e = await waitForEvent(r.id, 'ReminderDismissed');
      expect(e.payload.reason).toBe('completed');
      expect(e.version).toBe(2);
      expect(await reminder(r.id)).toEqual(expect.objectContaining({ status: 'Dismissed', version: 2 }));
      await triggerState(r.id, 'dismissed');
    }

    const dentist = await createTask({ title: 'book the dentist', dueDate: due.toISOString() });
    const [d] = await scheduled(dentist.id);
    await triggerState(d!.id, 'pending');
    expect((await api.call(user, 'DELETE', `/tasks/${dentist.id}`)).status).toBe(200);
    expect((await waitForEvent(d!.id, 'ReminderDismissed')).payload.reason).toBe('deleted');
    expect(await reminder(d!.id)).toEqual(expect.objectContaining({ status: 'Dismissed', version: 2 }));
    await triggerState(d!.id, 'dismissed');
  });

  it('schedules an explicit chat reminder ("remind me about X tomorrow at 9am") the same way', async () => {
    const task = await createTask({ title: 'the quarterly report' });
    const res = await api.call(user, 'POST', '/chat', {
      message: 'remind me about the quarterly report tomorrow at 9am',
    });
    expect(res.status).toBe(200);
    const tomorrow9 = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 9));
    expect(res.body.tool_calls[0].result).toEqual(
      expect.objectContaining({ taskId: task.id, remindAt: tomorrow9.toISOString(), status: 'Scheduled' }),
    );
    const [report] = (await scheduled(task.id)) as [Reminder];
    expect(report.source).toBe('explicit');
    const e = await waitForEvent(report.id, 'ReminderScheduled');
    expect(e.payload).toEqual(
      expect.objectContaining({
        task_id: task.id,
        remind_at: tomorrow9.getTime(),
        source: 'explicit',
        task_title: 'the quarterly report',
      }),
    );
    await triggerState(report.id, 'pending');
  });

  it('fires each due reminder exactly once, across repeated and concurrent ticks and a restart', async () => {
    const { first: firstTaxesReminder, third: taxesReminder } = await taxesHistory();
    const report = await explicitReport();
    const cancelled = [...(await cancelledReminders()), firstTaxesReminder];
    const due = [taxesReminder, report];
    // Before remind_at: nothing fires.
    now = new Date(Math.min(...due.map((r) => r.remindAt.getTime())) - MINUTE);
    await trigger.tick();
    expect(receiver.totalCalls).toBe(0);

    now = new Date(Math.max(...due.map((r) => r.remindAt.getTime())) + MINUTE);
    const fireTime = now.getTime();
    await Promise.all([trigger.tick(), otherTicker().tick(), otherTicker().tick()]);
    for (const r of due) {
      expect(receiver.calls.get(r.id)).toBe(1);
      expect(receiver.bodies.get(r.id)).toEqual({
        reminderId: r.id,
        taskId: r.taskId,
        userId: user,
        title: r.id === report.id ? 'the quarterly report' : 'file the taxes',
        remindAt: r.remindAt.toISOString(),
        contentType: 'application/json',
      });
      expect(await reminder(r.id)).toEqual(expect.objectContaining({ status: 'Triggered', version: 2 }));
      const t = await triggerOf(r.id);
      expect(t).toEqual(expect.objectContaining({ state: 'triggered', attempts: 1 }));
      expect(t!.triggeredAt!.getTime()).toBe(fireTime);
      const e = await waitForEvent(r.id, 'ReminderTriggered');
      expect(e.version).toBe(2);
      expect(e.payload).toEqual({
        id: r.id,
        task_id: r.taskId,
        user_id: user,
        remind_at: r.remindAt.getTime(),
        triggered_at: fireTime,
      });
    }
    // Dismissed reminders whose time has come never fire.
    for (const r of cancelled) expect(receiver.calls.get(r.id)).toBeUndefined();
    expect(receiver.totalCalls).toBe(2);

    await trigger.tick();
    await trigger.stop();
    trigger = await startTrigger({ notifyUrl: receiver.url });
    now = new Date(now.getTime() + HOUR);
    await trigger.tick();
    await trigger.tick();
    expect(receiver.totalCalls).toBe(2);
    expect(await db().notification.count()).toBe(0);
    for (const r of due) expect((await eventsOf(r.id)).filter((e) => e.type === 'ReminderTriggered')).toHaveLength(1);
  });

  it('never fires a dismissed reminder, even when its ReminderScheduled arrives again after the dismissal', async () => {
    const taxes = await createTask({ title: 'file taxes', dueDate: new Date(now.getTime() + 2 * DAY).toISOString() });
    const [firstTaxesReminder] = (await scheduled(taxes.id)) as [Reminder];
    await triggerState(firstTaxesReminder.id, 'pending');
    await patch(taxes.id, { dueDate: new Date(now.getTime() + 3 * DAY).toISOString() });
    await triggerState(firstTaxesReminder.id, 'dismissed');
    // Its time has come (the rescheduled one's has not).
    now = new Date(firstTaxesReminder.remindAt.getTime() + HOUR);

    const original = await record(firstTaxesReminder.id, 'ReminderScheduled');
    const lateId = randomUUID();
    await produce(kafka, TOPICS.reminders, [
      {
        key: original.key,
        value: original.value,
        partition: original.partition,
        headers: { ...original.headers, 'event-id': lateId },
      },
    ]);
    await waitFor(() => processed('reminder-trigger-cg', lateId), { what: 'the late ReminderScheduled to be handled' });
    expect((await triggerOf(firstTaxesReminder.id))!.state).toBe('dismissed');

    // A trigger that is still pending while its reminder was dismissed (the dismissal not yet
    // consumed) does not fire either: the tick checks the reminder row under its lock.
    await db().reminderTrigger.update({ where: { reminderId: firstTaxesReminder.id }, data: { state: 'pending' } });
    await trigger.tick();
    expect(receiver.calls.get(firstTaxesReminder.id)).toBeUndefined();
    expect((await triggerOf(firstTaxesReminder.id))!.state).toBe('dismissed');
    expect(await reminder(firstTaxesReminder.id)).toEqual(expect.objectContaining({ status: 'Dismissed', version: 2 }));
  });

  it('changes nothing when a ReminderScheduled or TaskUpdated record is delivered again (or replayed)', async () => {
    const { taxes, third: taxesReminder } = await taxesHistory();
    // The reminder has fired.
    now = new Date(taxesReminder.remindAt.getTime() + MINUTE);
    await trigger.tick();
    await triggerState(taxesReminder.id, 'triggered');
    await waitForEvent(taxesReminder.id, 'ReminderTriggered');

    const scheduledRecord = await record(taxesReminder.id, 'ReminderScheduled');
    const reschedule = await record(taxes.id, 'TaskUpdated', 2); // the due-date change
    const beforeReminders = await remindersOf(taxes.id);
    const beforeTriggers = await db().reminderTrigger.findMany({
      where: { taskId: taxes.id },
      orderBy: { reminderId: 'asc' },
    });
    const beforeEvents = (await eventsOf(taxesReminder.id)).length;
    const [dupScheduler, dupTrigger] = [
      await metricCount(scheduler, 'reminder-scheduler-cg'),
      await metricCount(trigger, 'reminder-trigger-cg'),
    ];

    const copy = (r: CollectedRecord) => ({ key: r.key, value: r.value, partition: r.partition, headers: r.headers });
    await produce(kafka, TOPICS.reminders, [copy(scheduledRecord)]);
    await produce(kafka, TOPICS.tasks, [copy(reschedule)]);
    await waitFor(async () => (await metricCount(trigger, 'reminder-trigger-cg')) > dupTrigger, {
      what: 'the trigger consumer to skip the copy',
    });
    await waitFor(async () => (await metricCount(scheduler, 'reminder-scheduler-cg')) > dupScheduler, {
      what: 'the scheduler to skip the copy',
    });
    // The same records under new event ids (a replay from a DLQ, say) pass the inbox: the fired
    // reminder stays fired, and the stale due-date change (v2; the task is at v4) changes nothing.
    const [replayScheduled, replayUpdate] = [randomUUID(), randomUUID()];
    await produce(kafka, TOPICS.reminders, [
      { ...copy(scheduledRecord), headers: { ...scheduledRecord.headers, 'event-id': replayScheduled } },
    ]);
    await produce(kafka, TOPICS.tasks, [
      { ...copy(reschedule), headers: { ...reschedule.headers, 'event-id': replayUpdate } },
    ]);
    await waitFor(() => processed('reminder-trigger-cg', replayScheduled), {
      what: 'the replayed ReminderScheduled to be handled',
    });
    await waitFor(() => processed('reminder-scheduler-cg', replayUpdate), {
      what: 'the replayed TaskUpdated to be handled',
    });

    now = new Date(now.getTime() + HOUR);
    await trigger.tick();
    await new Promise((r) => setTimeout(r, 500));
    expect(await remindersOf(taxes.id)).toEqual(beforeReminders);
    expect(
      await db().reminderTrigger.findMany({ where: { taskId: taxes.id }, orderBy: { reminderId: 'asc' } }),
    ).toEqual(beforeTriggers);
    expect((await eventsOf(taxesReminder.id)).filter((e) => e.eventId !== replayScheduled).length).toBe(beforeEvents);
    expect(receiver.calls.get(taxesReminder.id)).toBe(1);
  });

  it('keeps a failing delivery pending for the next tick without holding up the other reminders', async () => {
    const due = new Date(now.getTime() + DAY);
    const [a, b] = await Promise.all([
      createTask({ title: 'water the garden', dueDate: due.toISOString() }),
      createTask({ title: 'call grandma', dueDate: due.toISOString() }),
    ]);
    const [[ra], [rb]] = (await Promise.all([scheduled(a.id), scheduled(b.id)])) as [Reminder[], Reminder[]];
    await Promise.all([triggerState(ra!.id, 'pending'), triggerState(rb!.id, 'pending')]);
    receiver.failFor.add(ra!.id);
    now = new Date(due.getTime());
    await trigger.tick();
    expect(receiver.calls.get(ra!.id)).toBe(3);
    expect(receiver.delivered.get(ra!.id)).toBeUndefined();
    expect(receiver.calls.get(rb!.id)).toBe(1);
    expect(await triggerOf(ra!.id)).toEqual(expect.objectContaining({ state: 'pending', attempts: 3 }));
    expect((await reminder(ra!.id)).status).toBe('Scheduled');
    expect((await reminder(rb!.id)).status).toBe('Triggered');

    receiver.failFor.delete(ra!.id);
    await trigger.tick();
    await trigger.tick();
    expect(receiver.calls.get(ra!.id)).toBe(4);
    expect(receiver.delivered.get(ra!.id)).toBe(1);
    expect(receiver.calls.get(rb!.id)).toBe(1);
    expect(await triggerOf(ra!.id)).toEqual(expect.objectContaining({ state: 'triggered', attempts: 4 }));
    await waitForEvent(ra!.id, 'ReminderTriggered');
  });

  it('without NOTIFY_URL stores Notification rows, listed newest first by GET /notifications', async () => {
    await trigger.stop();
    trigger = await startTrigger({ notifyUrl: undefined });
    const calls = receiver.totalCalls;
    const due = new Date(now.getTime() + DAY);
    const first = await createTask({ title: 'buy a birthday card', dueDate: due.toISOString() });
    const second = await createTask({
      title: 'return the library books',
      dueDate: new Date(due.getTime() + HOUR).toISOString(),
    });
    const [[r1], [r2]] = (await Promise.all([scheduled(first.id), scheduled(second.id)])) as [Reminder[], Reminder[]];
    await Promise.all([triggerState(r1!.id, 'pending'), triggerState(r2!.id, 'pending')]);

    now = new Date(due.getTime());
    await trigger.tick();
    now = new Date(due.getTime() + HOUR);
    await trigger.tick();
    await trigger.tick();
    expect(receiver.totalCalls).toBe(calls);
    const rows = await db().notification.findMany({ where: { userId: user }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((n) => [n.reminderId, n.taskId, n.title])).toEqual([
      [r1!.id, first.id, 'buy a birthday card'],
      [r2!.id, second.id, 'return the library books'],
    ]);
    for (const r of [r1!, r2!]) {
      expect((await reminder(r.id)).status).toBe('Triggered');
      await waitForEvent(r.id, 'ReminderTriggered');
    }

    const page1 = await api.call(user, 'GET', '/notifications?limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.items).toEqual([
      {
        id: rows[1]!.id,
        reminderId: r2!.id,
        taskId: second.id,
        title: 'return the library books',
        remindAt: r2!.remindAt.toISOString(),
        createdAt: new Date(due.getTime() + HOUR).toISOString(),
      },
    ]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await api.call(user, 'GET', `/notifications?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((n: any) => n.reminderId)).toEqual([r1!.id]);
    expect(page2.body.nextCursor).toBeNull();
    const all = await api.call(user, 'GET', '/notifications');
    expect(all.body).toEqual({ items: [page1.body.items[0], page2.body.items[0]], nextCursor: null });

    expect((await api.call(user, 'GET', '/notifications?limit=101')).status).toBe(400);
    expect((await api.call(user, 'GET', '/notifications?cursor=nope')).status).toBe(400);
    expect((await api.call(`someone-else-${randomUUID()}`, 'GET', '/notifications')).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("writes a chunk's new reminders and their ReminderScheduled in one go, and a replayed chunk writes none", async () => {
    const tasks = await Promise.all(['chunk a', 'chunk b', 'chunk c'].map((title) => createTask({ title })));
    for (const t of tasks) await schedulerHandled(t.id, 'TaskCreated', 1);
    const handler = createReminderSchedulerHandler({
      defaultLeadMinutes: 15,
      logger: createLogger('reminders-test', 'silent'),
    });
    const ctx = { group: 'reminder-scheduler-cg' as const, codec: api.codec, clock };
    const chunk: ConsumedEvent[] = tasks.map((t, i) => ({
      eventId: randomUUID(),
      eventType: 'TaskUpdated',
      topic: TOPICS.tasks,
      partition: 0,
      offset: String(i),
      key: t.id,
      aggregateVersion: 1,
      userId: user,
      traceparent: '',
      occurredAt: new Date(now.getTime()),
      headers: {},
      payload: {
        id: t.id,
        user_id: user,
        title: t.title,
        due_date: now.getTime() + (i + 2) * DAY,
        completed: false,
        is_recurring_template: false,
      },
    }));
    const runChunk = () =>
      db().$transaction(async (prismaTx) => {
        const tx = prismaSqlTx(prismaTx);
        await handler.handleChunk!(tx, chunk, ctx);
      });
    await runChunk();
    await runChunk();
    for (const [i, t] of tasks.entries()) {
      const [r] = await scheduled(t.id);
      expect(r!.remindAt.getTime()).toBe(now.getTime() + (i + 2) * DAY - 15 * MINUTE);
      expect(r!.version).toBe(1);
      const ev = await waitForEvent(r!.id, 'ReminderScheduled');
      expect(ev.payload).toMatchObject({
        id: r!.id,
        task_id: t.id,
        user_id: user,
        task_title: t.title,
        source: 'due_date',
      });
      expect(ev.version).toBe(1);
      // reminder-trigger-cg armed it (the three events arrive together: its chunk path).
      expect((await triggerState(r!.id, 'pending')).remindAt.getTime()).toBe(r!.remindAt.getTime());
    }
    // The replay found every reminder in place: no second row, no second event.
    await new Promise((r) => setTimeout(r, 500));
    for (const t of tasks) {
      const rs = await remindersOf(t.id);
      expect(rs.filter((r) => r.status === 'Scheduled')).toHaveLength(1);
      const [r] = rs.filter((x) => x.status === 'Scheduled');
      expect(
        collector.records.filter((x) => x.key === r!.id && x.headers['event-type'] === 'ReminderScheduled'),
      ).toHaveLength(1);
    }
  });

  it('within one chunk, a later event of a task sees the reminder an earlier one scheduled', async () => {
    const task = await createTask({ title: 'chunked' });
    await schedulerHandled(task.id, 'TaskCreated', 1);
    const handler = createReminderSchedulerHandler({
      defaultLeadMinutes: 15,
      logger: createLogger('reminders-test', 'silent'),
    });
    const ctx = { group: 'reminder-scheduler-cg' as const, codec: api.codec, clock };
    const due1 = now.getTime() + 2 * DAY;
    const due2 = now.getTime() + 4 * DAY;
    const updated = (version: number, due: number): ConsumedEvent => ({
      eventId: randomUUID(),
      eventType: 'TaskUpdated',
      topic: TOPICS.tasks,
      partition: 0,
      offset: String(version),
      key: task.id,
      aggregateVersion: version,
      userId: user,
      traceparent: '',
      occurredAt: new Date(now.getTime()),
      headers: {},
      payload: {
        id: task.id,
        user_id: user,
        title: 'chunked',
        due_date: due,
        completed: false,
        is_recurring_template: false,
      },
    });
    const chunk = [updated(2, due1), updated(3, due2)];
    await db().$transaction(async (prismaTx) => {
      const tx = prismaSqlTx(prismaTx);
      await handler.handleChunk!(tx, chunk, ctx);
    });
    const rs = (await remindersOf(task.id)).sort((a, b) => a.remindAt.getTime() - b.remindAt.getTime());
    expect(rs.map((r) => [r.status, r.remindAt.getTime()])).toEqual([
      ['Dismissed', due1 - 15 * MINUTE],
      ['Scheduled', due2 - 15 * MINUTE],
    ]);
  });
});
