/** The verdict rules on hand-made facts: each violation is caught, and legal redelivery is not one. */
import type { LoggedEvent } from './chaos-database.js';
import { evaluate, type ChaosFacts, type ReminderFact } from './checks.js';
import type { KafkaRecordInfo } from './kafka-range.js';

const TASKS = 'todo.tasks.events';
const BROADCAST = 'todo.task_updates.broadcast';

function logged(eventId: string, key: string, version: number, topic = TASKS): LoggedEvent {
  return {
    eventId,
    topic,
    key,
    eventType: topic === TASKS ? 'TaskUpdated' : 'TaskChanged',
    version,
    userId: 'chaos-x-u0',
  };
}

function record(e: LoggedEvent, partition: number, offset: number): KafkaRecordInfo {
  return {
    topic: e.topic,
    partition,
    offset: BigInt(offset),
    key: e.key,
    value: null,
    headers: { 'event-id': e.eventId, 'aggregate-version': String(e.version), 'user-id': e.userId },
  };
}

/** Facts of a clean run over `events`, each published once in order, every side effect present. */
function cleanFacts(events: LoggedEvent[]): ChaosFacts {
  const taskEvents = events.filter((e) => e.topic === TASKS);
  return {
    logged: events,
    records: events.map((e, i) => record(e, 0, i)),
    dlqRecords: [],
    userPrefix: 'chaos-x',
    poison: undefined,
    notificationCalls: new Map([['r1', 1]]),
    templates: [],
    recurrencesCaughtUpAt: new Date('2026-12-04T10:00:00Z'),
    quietAt: new Date('2026-12-04T10:05:00Z'),
    defaultLeadMinutes: 15,
    effects: {
      processedByGroup: {
        'audit-log-cg': new Set(events.map((e) => e.eventId)),
        'task-broadcaster-cg': new Set(taskEvents.map((e) => e.eventId)),
      },
      topicsByGroup: { 'audit-log-cg': [TASKS, BROADCAST], 'task-broadcaster-cg': [TASKS] },
      auditRows: new Map(events.map((e) => [e.eventId, 1])),
      taskChangedPerSource: new Map(taskEvents.map((e) => [e.eventId, 1])),
      tasksWithSeveralScheduledReminders: 0,
      extraRecurringInstances: 0,
      recurringInstances: 0,
      instancesByTemplate: new Map(),
      tasks: [],
      reminders: [],
      triggeredReminders: new Set(['r1']),
      taskVersionMismatches: 0,
      relayDeadLetterRows: 0,
    },
  };
}

const events = [
  logged('e1', 'k1', 1),
  logged('e2', 'k1', 2),
  logged('e3', 'k2', 1),
  logged('c1', 'chaos-x-u0', 1, BROADCAST),
];

describe('chaos checks', () => {
  test('a clean run is ok', () => {
    const v = evaluate(cleanFacts(events));
    expect(v).toMatchObject({ ok: true, lost: 0, outOfOrder: 0, doubled: 0, deadLettered: 0, eventsWritten: 4 });
  });

  test('a redelivered older record is allowed and counted, not out of order', () => {
    const f = cleanFacts(events);
    f.records.push(record(events[0]!, 0, 10));
    expect(evaluate(f)).toMatchObject({ ok: true, redelivered: 1, outOfOrder: 0 });
  });

  test('a committed event missing from Kafka is lost', () => {
    const f = cleanFacts(events);
    f.records = f.records.filter((r) => r.headers['event-id'] !== 'e2');
    expect(evaluate(f)).toMatchObject({ ok: false, lost: 1 });
  });

  test('versions going backwards, or a key in two partitions, are out of order', () => {
    const f = cleanFacts(events);
    f.records = [record(events[1]!, 0, 0), record(events[0]!, 0, 1), record(events[2]!, 1, 0)];
    expect(evaluate(f).outOfOrder).toBe(1);
    f.records = [record(events[0]!, 0, 0), record(events[1]!, 1, 0)];
    expect(evaluate(f).outOfOrder).toBe(1);
  });

  test('a record of the run in Kafka that was never committed is unexpected', () => {
    const f = cleanFacts(events);
    f.records.push(record(logged('ghost', 'k9', 1), 0, 20));
    expect(evaluate(f)).toMatchObject({ ok: false, unexpectedInKafka: 1 });
  });

  test('side effects applied twice or not at all are caught', () => {
    const twice = cleanFacts(events);
    twice.effects.taskChangedPerSource.set('e1', 2);
    expect(evaluate(twice)).toMatchObject({ ok: false, doubled: 1, doubledBy: { TaskChanged: 1 } });
    const missing = cleanFacts(events);
    missing.effects.processedByGroup['task-broadcaster-cg']!.delete('e3');
    missing.effects.auditRows.delete('c1');
    expect(evaluate(missing)).toMatchObject({ ok: false, missingBy: { 'task-broadcaster-cg': 1, audit_log: 1 } });
  });

  test('notifications: repeated calls with one key are legal; a Triggered reminder never delivered is missing', () => {
    const repeated = cleanFacts(events);
    repeated.notificationCalls.set('r1', 3);
    expect(evaluate(repeated)).toMatchObject({ ok: true, notifications: { raw: 3, distinct: 1, repeatedCalls: 2 } });
    const missing = cleanFacts(events);
    missing.effects.triggeredReminders.add('r2');
    expect(evaluate(missing)).toMatchObject({ ok: false, notifications: { missing: 1 } });
  });

  test('only the deliberate poison may be dead-lettered, and it must reach every expected DLQ', () => {
    const f = cleanFacts(events);
    f.poison = { eventId: 'p1', expectedGroups: ['audit-log-cg', 'task-broadcaster-cg'] };
    const dlq = (id: string, group = 'audit-log-cg', userId = 'chaos-x-poison'): KafkaRecordInfo => ({
      topic: `todo.${group}.dlq`,
      partition: 0,
      offset: 0n,
      key: 'k',
      value: null,
      headers: { 'event-id': id, 'consumer-group': group, 'user-id': userId },
    });
    f.dlqRecords = [dlq('p1'), dlq('p1', 'task-broadcaster-cg')];
    expect(evaluate(f)).toMatchObject({
      ok: true,
      deadLettered: 0,
      poison: { deadLetteredBy: 2, copies: 2, expected: 2 },
    });
    // A group that dead-lettered it twice (redelivered before its offset commit) still counts once.
    f.dlqRecords = [dlq('p1'), dlq('p1'), dlq('p1', 'task-broadcaster-cg')];
    expect(evaluate(f)).toMatchObject({ ok: true, poison: { deadLetteredBy: 2, copies: 3 } });
    // Missing from one expected group's DLQ, or in a group that does not read its topic.
    f.dlqRecords = [dlq('p1'), dlq('p1')];
    expect(evaluate(f).ok).toBe(false);
    f.dlqRecords = [dlq('p1'), dlq('p1', 'task-broadcaster-cg'), dlq('p1', 'reminder-trigger-cg')];
    expect(evaluate(f).ok).toBe(false);
    // Anything else of the run's users in a DLQ is a violation; other users' records on a shared broker are not the run's.
    f.dlqRecords = [dlq('p1'), dlq('p1', 'task-broadcaster-cg'), dlq('e1', 'audit-log-cg', 'chaos-x-u0')];
    expect(evaluate(f)).toMatchObject({ ok: false, deadLettered: 1 });
    f.dlqRecords = [dlq('p1'), dlq('p1', 'task-broadcaster-cg'), dlq('zz', 'audit-log-cg', 'someone-else')];
    expect(evaluate(f)).toMatchObject({ ok: true, deadLettered: 0 });
  });

  test('a run that committed no events is not ok: it proves nothing', () => {
    const v = evaluate(cleanFacts([]));
    expect(v.ok).toBe(false);
    expect(v.violations).toContain('no events: the run committed nothing, so it proves nothing');
  });

  describe('side effects are counted where they land, not from processed_events', () => {
    const at = (iso: string) => new Date(`2026-12-04T${iso}Z`);
    const template = { id: 'tpl', pattern: 'cron:* * * * *', anchor: at('10:00:30'), createdAt: at('10:00:30') };
    const everyEventProcessed = (f: ChaosFacts) => {
      for (const g of ['recurring-task-cg', 'reminder-scheduler-cg', 'reminder-trigger-cg'])
        f.effects.processedByGroup[g] = new Set(f.logged.map((e) => e.eventId));
    };

    test('recurring-task-cg: one instance per occurrence from the template’s creation to the caught-up moment', () => {
      const f = cleanFacts(events);
      f.templates = [template];
      f.recurrencesCaughtUpAt = at('10:03:10');
      f.effects.instancesByTemplate.set(
        'tpl',
        new Set(['10:01:00', '10:02:00', '10:03:00'].map((t) => at(t).getTime())),
      );
      expect(evaluate(f)).toMatchObject({ ok: true, missingSideEffects: 0 });

      // Every event recorded as processed, but the ticker created only the first instance.
      const idle = cleanFacts(events);
      everyEventProcessed(idle);
      idle.templates = [template];
      idle.recurrencesCaughtUpAt = at('10:03:10');
      idle.effects.instancesByTemplate.set('tpl', new Set([at('10:01:00').getTime()]));
      expect(evaluate(idle)).toMatchObject({ ok: false, missingBy: { 'recurring instances': 2 } });
      // And with no schedule at all, nothing was created.
      idle.effects.instancesByTemplate.clear();
      expect(evaluate(idle)).toMatchObject({ ok: false, missingBy: { 'recurring instances': 3 } });
    });

    const due = at('12:00:00').getTime();
    const task = { id: 't1', dueDate: due, leadMinutes: null, completed: false, template: false };
    const reminder = (r: Partial<ReminderFact>): ReminderFact => ({
      id: 'r9',
      taskId: 't1',
      source: 'due_date',
      status: 'Scheduled',
      remindAt: due - 15 * 60_000,
      ...r,
    });

    test('reminder-scheduler-cg: a task with a due date has its reminder at due − lead; completed and deleted tasks none', () => {
      const f = cleanFacts(events);
      f.effects.tasks = [task, { ...task, id: 't2', leadMinutes: 60 }];
      f.effects.reminders = [
        reminder({}),
        reminder({ id: 'r8', taskId: 't2', status: 'Triggered', remindAt: due - 3_600_000 }),
      ];
      expect(evaluate(f)).toMatchObject({ ok: true, missingSideEffects: 0 });

      // Every task event recorded as processed, no reminder written.
      const idle = cleanFacts(events);
      everyEventProcessed(idle);
      idle.effects.tasks = [task];
      expect(evaluate(idle)).toMatchObject({ ok: false, missingBy: { 'due-date reminders': 1 } });
      // A reminder at a stale time is no substitute, and it should have been dismissed.
      idle.effects.reminders = [reminder({ remindAt: due - 60_000 })];
      expect(evaluate(idle)).toMatchObject({
        ok: false,
        missingBy: { 'due-date reminders': 1, 'reminder dismissals': 1 },
      });

      // A completed task with an explicit reminder still Scheduled; a deleted task with its reminder Scheduled.
      const undismissed = cleanFacts([...events, { ...logged('d1', 'gone', 3), eventType: 'TaskDeleted' }]);
      undismissed.records = undismissed.logged.map((e, i) => record(e, 0, i));
      undismissed.effects.auditRows.set('d1', 1);
      undismissed.effects.taskChangedPerSource.set('d1', 1);
      undismissed.effects.processedByGroup['task-broadcaster-cg']!.add('d1');
      undismissed.effects.tasks = [{ ...task, completed: true }];
      undismissed.effects.reminders = [
        reminder({ source: 'explicit' }),
        reminder({ id: 'r7', taskId: 'gone' }),
        reminder({ id: 'r6', taskId: 'gone', status: 'Dismissed' }),
      ];
      expect(evaluate(undismissed)).toMatchObject({ ok: false, missingBy: { 'reminder dismissals': 2 } });
    });

    test('reminder-trigger-cg: a reminder due by quiescence that is still Scheduled never fired', () => {
      const f = cleanFacts(events);
      everyEventProcessed(f);
      f.effects.tasks = [task];
      f.effects.reminders = [reminder({ remindAt: f.quietAt!.getTime() - 1 })];
      f.effects.tasks[0]!.dueDate = f.quietAt!.getTime() - 1 + 15 * 60_000;
      expect(evaluate(f)).toMatchObject({
        ok: false,
        missingBy: { 'reminders not fired': 1 },
        notifications: { notFired: 1 },
      });
      // Due only after quiescence: not yet owed.
      f.effects.reminders = [reminder({ remindAt: f.quietAt!.getTime() + 1 })];
      f.effects.tasks[0]!.dueDate = f.quietAt!.getTime() + 1 + 15 * 60_000;
      expect(evaluate(f)).toMatchObject({ ok: true, notifications: { notFired: 0 } });
      // Fired: Triggered and called at the receiver.
      f.effects.reminders = [reminder({ id: 'r1', status: 'Triggered', remindAt: f.quietAt!.getTime() - 1 })];
      f.effects.tasks[0]!.dueDate = f.quietAt!.getTime() - 1 + 15 * 60_000;
      expect(evaluate(f)).toMatchObject({ ok: true, notifications: { notFired: 0, missing: 0 } });
    });
  });
});
