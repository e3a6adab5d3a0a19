/**
 * Guarantee 6 on the real stack (API → outbox → relay → Kafka → all five consumer groups): a record
 * that is not what it says — a task's real TaskCreated value re-sent with header `event-type:
 * TaskDeleted`, the value under another task's key, the value with another user's `user-id`, a real
 * ReminderScheduled re-sent as ReminderDismissed — goes to the DLQ of every group that reads its
 * topic, with the reason, and no group acts on it: no audit row, no TaskChanged, the task's reminder
 * still Scheduled and its trigger still pending, nothing recorded as processed.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import type { RunningConsumerService } from '../../consumers/consumer-service.js';
import { serviceDefinition } from '../../consumers/services.js';
import { CONSUMER_GROUPS, consumerDlqTopic, TOPICS, type ConsumerGroup } from '../../lib/topics.js';
import type { RelayService } from '../../relay/relay-service.js';
import { TopicCollector, testKafka, type CollectedRecord } from '../helpers/kafka.js';
import { produce } from '../helpers/task-records.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { startTestConsumer } from '../helpers/test-consumer.js';
import { startTestRelay } from '../helpers/test-relay.js';
import { waitFor } from '../helpers/wait-for.js';

const DAY = 86_400_000;
const TASK_GROUPS: ConsumerGroup[] = [
  'audit-log-cg',
  'recurring-task-cg',
  'reminder-scheduler-cg',
  'task-broadcaster-cg',
];
const REMINDER_GROUPS: ConsumerGroup[] = ['audit-log-cg', 'reminder-trigger-cg'];

describe('forged records: nothing acts on a record that is not what it says', () => {
  const kafka = testKafka('forged-records-test');
  const user = `forged-${randomUUID()}`;
  const other = `forged-other-${randomUUID()}`;
  let api: TestApi;
  let relay: RelayService;
  let events: TopicCollector;
  let dlqs: TopicCollector;
  const services: RunningConsumerService[] = [];

  const db = () => api.database.db;
  const recordOf = (key: string, type: string, topic: string = TOPICS.tasks) =>
    waitFor(
      () =>
        events.records.find((r) => r.topic === topic && r.key === key && r.headers['event-type'] === type) as
          CollectedRecord | undefined,
      { what: `${type} of ${key} on Kafka`, timeoutMs: 30_000 },
    );
  const processedBy = (eventId: string) =>
    db()
      .processedEvent.findMany({ where: { eventId } })
      .then((rows) => rows.map((r) => r.consumerGroup).sort());

  /** A copy of a real record with its headers changed; a new event id, so the inbox does not drop it. */
  const forge = (r: CollectedRecord, changes: { key?: string; headers?: Record<string, string> }): Message => ({
    key: changes.key ?? r.key,
    value: r.value,
    headers: { ...r.headers, 'event-id': randomUUID(), ...changes.headers },
  });
  const idOf = (m: Message) => String(m.headers!['event-id']);

  /** Waits for the forged record in the DLQ of each of `groups`; returns the DLQ records. */
  async function deadLettered(eventId: string, groups: ConsumerGroup[]): Promise<CollectedRecord[]> {
    const topics = groups.map(consumerDlqTopic);
    const found = await waitFor(
      () => {
        const rs = dlqs.records.filter((r) => r.headers['event-id'] === eventId && topics.includes(r.topic));
        return new Set(rs.map((r) => r.topic)).size === topics.length && rs;
      },
      { what: `forged record ${eventId} in the DLQs of ${groups.join(', ')}`, timeoutMs: 30_000 },
    );
    for (const r of found) {
      expect(r.headers['error-class']).toBe('PoisonEventError');
      expect(r.headers.attempts).toBe('0');
    }
    return found;
  }

  let task: { id: string };
  let created: CollectedRecord;
  let reminderId: string;

  beforeAll(async () => {
    api = await startTestApi();
    events = await new TopicCollector(kafka, [TOPICS.tasks, TOPICS.reminders, TOPICS.broadcast]).start(false);
    dlqs = await new TopicCollector(kafka, CONSUMER_GROUPS.map(consumerDlqTopic)).start(false);
    relay = await startTestRelay(api.database.url);
    await waitFor(() => relay.isActive(), { what: 'relay to become active' });
    for (const g of CONSUMER_GROUPS)
      services.push(
        await startTestConsumer(await serviceDefinition(g), api.database.url, { config: { notifyUrl: undefined } }),
      );

    // A task due in two days: audited, broadcast, its reminder Scheduled and the trigger pending.
    const res = await api.call(user, 'POST', '/tasks', {
      title: 'the real task',
      dueDate: new Date(Date.now() + 2 * DAY).toISOString(),
    });
    expect(res.status).toBe(201);
    task = res.body;
    created = await recordOf(task.id, 'TaskCreated');
    const reminder = await waitFor(
      () =>
        db()
          .reminder.findFirst({ where: { taskId: task.id, status: 'Scheduled' } })
          .then((r) => r ?? undefined),
      {
        what: 'the task reminder',
      },
    );
    reminderId = reminder!.id;
    await waitFor(async () => (await db().reminderTrigger.findUnique({ where: { reminderId } }))?.state === 'pending', {
      what: 'the pending trigger',
    });
    await waitFor(async () => (await processedBy(created.headers['event-id']!)).length === TASK_GROUPS.length, {
      what: 'every task group to process the real TaskCreated',
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await relay?.stop();
    await events?.stop();
    await dlqs?.stop();
    await api?.stop();
  });

  /** Nothing anywhere acted on the forged event; the task and its reminder are as they were. */
  async function nothingHappened(eventId: string): Promise<void> {
    expect(await processedBy(eventId)).toEqual([]);
    expect(await db().auditEntry.count({ where: { eventId } })).toBe(0);
    expect(events.records.filter((r) => r.topic === TOPICS.broadcast && r.value?.includes(eventId))).toEqual([]);
    expect(await db().task.findUnique({ where: { id: task.id } })).toMatchObject({ id: task.id, version: 1 });
    expect(await db().reminder.findUnique({ where: { id: reminderId } })).toMatchObject({ status: 'Scheduled' });
    expect(await db().reminderTrigger.findUnique({ where: { reminderId } })).toMatchObject({ state: 'pending' });
    expect((await api.call(user, 'GET', `/tasks/${task.id}`)).status).toBe(200);
  }

  it('a real TaskCreated value re-sent with event-type TaskDeleted is dead-lettered by every task group, and nothing is deleted or dismissed', async () => {
    const forged = forge(created, { headers: { 'event-type': 'TaskDeleted', 'aggregate-version': '2' } });
    await produce(kafka, TOPICS.tasks, [forged]);
    const dead = await deadLettered(idOf(forged), TASK_GROUPS);
    for (const r of dead)
      expect(r.headers['error-message']).toBe(
        'header event-type "TaskDeleted" does not match the writer schema\'s record "com.todo.events.TaskCreated"',
      );
    await nothingHappened(idOf(forged));
    const audit = await api.call(user, 'GET', '/audit');
    expect(audit.body.items.map((i: { eventType: string }) => i.eventType)).not.toContain('TaskDeleted');
  });

  it('a real value under another aggregate key is dead-lettered with the reason', async () => {
    const second = await api.call(user, 'POST', '/tasks', { title: 'another task' });
    expect(second.status).toBe(201);
    const forged = forge(created, { key: second.body.id });
    await produce(kafka, TOPICS.tasks, [forged]);
    const dead = await deadLettered(idOf(forged), TASK_GROUPS);
    for (const r of dead)
      expect(r.headers['error-message']).toBe(
        `record key "${second.body.id}" is not the aggregate id in the value ("${task.id}")`,
      );
    await nothingHappened(idOf(forged));
    expect(await db().auditEntry.count({ where: { taskId: second.body.id, eventType: 'TaskCreated' } })).toBeLessThan(
      2,
    );
  });

  it("a real value with another user's user-id header is dead-lettered, and that user's audit stays empty", async () => {
    const forged = forge(created, { headers: { 'user-id': other } });
    await produce(kafka, TOPICS.tasks, [forged]);
    const dead = await deadLettered(idOf(forged), TASK_GROUPS);
    for (const r of dead)
      expect(r.headers['error-message']).toBe(`header user-id "${other}" does not match the value's user_id "${user}"`);
    await nothingHappened(idOf(forged));
    const audit = await api.call(other, 'GET', '/audit');
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual([]);
  });

  it('a real ReminderScheduled value re-sent as ReminderDismissed is dead-lettered by the reminder groups; the trigger stays pending', async () => {
    const scheduled = await recordOf(reminderId, 'ReminderScheduled', TOPICS.reminders);
    const forged = forge(scheduled, { headers: { 'event-type': 'ReminderDismissed', 'aggregate-version': '2' } });
    await produce(kafka, TOPICS.reminders, [forged]);
    const dead = await deadLettered(idOf(forged), REMINDER_GROUPS);
    for (const r of dead) {
      expect(r.headers['error-message']).toMatch(/event-type "ReminderDismissed" does not match .*ReminderScheduled/);
      expect(r.headers['original-topic']).toBe(TOPICS.reminders);
    }
    await nothingHappened(idOf(forged));
  });
});
