/**
 * The verdict of a chaos run, computed from two independent sources:
 * - the database: `chaos_event_log` (every committed outbox row, written by a trigger in the
 *   writing transaction), the tasks' final versions, and the consumers' side-effect tables;
 * - Kafka: every record the run added to the three event topics and to every DLQ.
 * Pure functions over the gathered facts (gather-facts.ts does the I/O), so each rule reads as
 * what it checks. Duplicated Kafka records (at-least-once redelivery) are allowed and counted;
 * they are deduplicated by event id before the order check, as consumers do.
 *
 * Side effects are counted where they land, never from `processed_events` alone (a consumer that
 * records an event as processed without doing its work must fail the run): recurring instances
 * against the occurrences the templates and the clock call for, each task's reminders against
 * what its final state calls for, notifications at the receiver per reminder id.
 */
import { occurrencesBetween, parseRecurrencePattern } from '../lib/recurrence.js';
import type { LoggedEvent } from './chaos-database.js';
import type { KafkaRecordInfo } from './kafka-range.js';

/** A recurring template of the run, as the API listed it before the run deleted it. */
export interface TemplateFact {
  id: string;
  pattern: string;
  /** Its due date, else its creation time (recurring-task-cg's anchor rule). */
  anchor: Date;
  /** Its TaskCreated's occurred-at: the first occurrence is the first one after it. */
  createdAt: Date;
}

/** A task row at the end of the run. */
export interface TaskFact {
  id: string;
  /** Epoch ms, or null. */
  dueDate: number | null;
  leadMinutes: number | null;
  completed: boolean;
  template: boolean;
}

/** A reminder row at the end of the run. */
export interface ReminderFact {
  id: string;
  taskId: string;
  source: string;
  status: string;
  /** Epoch ms. */
  remindAt: number;
}

export interface SideEffectFacts {
  /** Event ids each group recorded in processed_events. */
  processedByGroup: Record<string, Set<string>>;
  /** Topics each group consumes. */
  topicsByGroup: Record<string, readonly string[]>;
  /** audit_log rows per event id. */
  auditRows: Map<string, number>;
  /** TaskChanged audit rows per source task event id. */
  taskChangedPerSource: Map<string, number>;
  /** Tasks with more than one Scheduled due-date reminder. */
  tasksWithSeveralScheduledReminders: number;
  /** Recurring instances beyond one per (template, occurrence). */
  extraRecurringInstances: number;
  recurringInstances: number;
  /** Due dates (epoch ms; instances are due at their occurrence) of each template's instances. */
  instancesByTemplate: Map<string, Set<number>>;
  tasks: TaskFact[];
  reminders: ReminderFact[];
  /** Reminder ids whose row says Triggered. */
  triggeredReminders: Set<string>;
  /** Tasks whose row version differs from the highest logged version of their key. */
  taskVersionMismatches: number;
  /** outbox_dead_letters + outbox_held_keys rows. */
  relayDeadLetterRows: number;
}

export interface ChaosFacts {
  logged: LoggedEvent[];
  /** Records of the event topics in the run's offset range. */
  records: KafkaRecordInfo[];
  /** Records of every DLQ topic in the run's offset range. */
  dlqRecords: KafkaRecordInfo[];
  /** User ids of the run start with this; Kafka records of other users are not the run's. */
  userPrefix: string;
  poison: { eventId: string; expectedGroups: readonly string[] } | undefined;
  effects: SideEffectFacts;
  notificationCalls: Map<string, number>;
  templates: TemplateFact[];
  /** A moment by which recurring-task-cg had created every occurrence then due (or gave up waiting). */
  recurrencesCaughtUpAt: Date;
  /** The database time at quiescence: every reminder due by then must have fired; undefined if never quiet. */
  quietAt: Date | undefined;
  /** reminder-scheduler-cg's lead time for tasks without their own. */
  defaultLeadMinutes: number;
}

export interface ChaosVerdict {
  eventsWritten: number;
  eventsByTopic: Record<string, number>;
  kafkaRecords: number;
  /** Kafka records beyond one per event id: at-least-once redelivery, allowed. */
  redelivered: number;
  lost: number;
  /** Records of the run's users in Kafka that no committed change explains. */
  unexpectedInKafka: number;
  outOfOrder: number;
  taskVersionMismatches: number;
  doubled: number;
  doubledBy: Record<string, number>;
  missingSideEffects: number;
  missingBy: Record<string, number>;
  deadLettered: number;
  /** `deadLetteredBy`: groups whose DLQ holds the poison; `copies`: its records there (redelivery may repeat one). */
  poison: { injected: boolean; deadLetteredBy: number; copies: number; expected: number };
  notifications: {
    raw: number;
    distinct: number;
    repeatedCalls: number;
    triggeredReminders: number;
    missing: number;
    /** Reminders due by quiescence that never fired (still Scheduled). */
    notFired: number;
    withoutTriggeredReminder: number;
  };
  recurringInstances: number;
  violations: string[];
  ok: boolean;
}

function bump(m: Record<string, number>, k: string, n = 1): void {
  if (n > 0) m[k] = (m[k] ?? 0) + n;
}

/** Per topic: keys whose first-seen versions (in partition-offset order) do not strictly increase, or that span partitions. */
export function orderViolations(records: KafkaRecordInfo[], ours: Set<string>): string[] {
  const bad: string[] = [];
  const sorted = [...records].sort(
    (a, b) =>
      a.topic.localeCompare(b.topic) ||
      a.partition - b.partition ||
      (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
  );
  const byKey = new Map<string, { partition: number; last: number }>();
  const seen = new Set<string>();
  for (const r of sorted) {
    const id = r.headers['event-id'];
    if (!id || !ours.has(id) || seen.has(id) || r.key === null) continue;
    seen.add(id);
    const k = `${r.topic}/${r.key}`;
    const v = Number(r.headers['aggregate-version']);
    const s = byKey.get(k);
    if (s && s.partition !== r.partition) bad.push(`${k}: in partitions ${s.partition} and ${r.partition}`);
    else if (s && v <= s.last) bad.push(`${k}: v${v} after v${s.last}`);
    byKey.set(k, { partition: r.partition, last: s ? Math.max(s.last, v) : v });
  }
  return bad;
}

const MINUTE = 60_000;

/** recurring-task-cg: per template, the occurrences after its creation up to the caught-up moment that have no instance. */
export function missingRecurringInstances(f: ChaosFacts): number {
  let missing = 0;
  for (const t of f.templates) {
    const due = occurrencesBetween(
      parseRecurrencePattern(t.pattern),
      t.anchor,
      t.createdAt,
      f.recurrencesCaughtUpAt,
      Number.MAX_SAFE_INTEGER,
    );
    const have = f.effects.instancesByTemplate.get(t.id) ?? new Set<number>();
    missing += due.filter((o) => !have.has(o.getTime())).length;
  }
  return missing;
}

/**
 * reminder-scheduler-cg, from each task's final state: a pending task with a due date (not a
 * template) has a due-date reminder at due − lead that is Scheduled or already Triggered; no other
 * due-date reminder of a task is still Scheduled; a completed or deleted task has no Scheduled
 * reminder at all (explicit ones included).
 */
export function missingReminderWork(f: ChaosFacts): { dueDateReminders: number; dismissals: number } {
  const byTask = new Map<string, ReminderFact[]>();
  for (const r of f.effects.reminders) byTask.set(r.taskId, [...(byTask.get(r.taskId) ?? []), r]);
  const scheduled = (rs: ReminderFact[]) => rs.filter((r) => r.status === 'Scheduled');
  let dueDateReminders = 0;
  let dismissals = 0;
  const live = new Set<string>();
  for (const t of f.effects.tasks) {
    live.add(t.id);
    const rs = byTask.get(t.id) ?? [];
    if (t.completed) {
      dismissals += scheduled(rs).length;
      continue;
    }
    const dueDate = rs.filter((r) => r.source === 'due_date');
    if (t.dueDate !== null && !t.template) {
      const at = t.dueDate - (t.leadMinutes ?? f.defaultLeadMinutes) * MINUTE;
      if (!dueDate.some((r) => r.remindAt === at && (r.status === 'Scheduled' || r.status === 'Triggered')))
        dueDateReminders++;
      dismissals += scheduled(dueDate).filter((r) => r.remindAt !== at).length;
    } else dismissals += scheduled(dueDate).length;
  }
  const deleted = new Set(f.logged.filter((e) => e.eventType === 'TaskDeleted' && !live.has(e.key)).map((e) => e.key));
  for (const id of deleted) dismissals += scheduled(byTask.get(id) ?? []).length;
  return { dueDateReminders, dismissals };
}

export function evaluate(f: ChaosFacts): ChaosVerdict {
  const violations: string[] = [];
  if (f.logged.length === 0) violations.push('no events: the run committed nothing, so it proves nothing');
  const loggedIds = new Set(f.logged.map((e) => e.eventId));
  const eventsByTopic: Record<string, number> = {};
  for (const e of f.logged) bump(eventsByTopic, e.topic);

  const inKafka = new Set<string>();
  let redelivered = 0;
  for (const r of f.records) {
    const id = r.headers['event-id'];
    if (!id) continue;
    if (inKafka.has(id)) redelivered++;
    inKafka.add(id);
  }
  const lostEvents = f.logged.filter((e) => !inKafka.has(e.eventId));
  if (lostEvents.length)
    violations.push(
      `lost: ${lostEvents.length} committed events are not in Kafka, e.g. ${lostEvents
        .slice(0, 3)
        .map((e) => `${e.eventType} ${e.key} v${e.version}`)
        .join(', ')}`,
    );

  const unexpected = new Set<string>();
  for (const r of f.records) {
    const id = r.headers['event-id'] ?? '';
    if ((r.headers['user-id'] ?? '').startsWith(f.userPrefix) && !loggedIds.has(id) && id !== f.poison?.eventId)
      unexpected.add(id);
  }
  if (unexpected.size)
    violations.push(`unexpected: ${unexpected.size} events of the run's users are in Kafka but were never committed`);

  const order = orderViolations(f.records, loggedIds);
  if (order.length) violations.push(`out of order: ${order.length} keys, e.g. ${order.slice(0, 3).join('; ')}`);
  if (f.effects.taskVersionMismatches)
    violations.push(
      `task versions: ${f.effects.taskVersionMismatches} tasks whose version is not the last logged event's`,
    );

  const doubledBy: Record<string, number> = {};
  const missingBy: Record<string, number> = {};
  for (const [group, topics] of Object.entries(f.effects.topicsByGroup)) {
    const processed = f.effects.processedByGroup[group] ?? new Set<string>();
    bump(missingBy, group, f.logged.filter((e) => topics.includes(e.topic) && !processed.has(e.eventId)).length);
  }
  for (const e of f.logged) {
    const n = f.effects.auditRows.get(e.eventId) ?? 0;
    if (n === 0) bump(missingBy, 'audit_log');
    if (n > 1) bump(doubledBy, 'audit_log', n - 1);
    if (e.topic === 'todo.tasks.events') {
      const c = f.effects.taskChangedPerSource.get(e.eventId) ?? 0;
      if (c === 0) bump(missingBy, 'TaskChanged');
      if (c > 1) bump(doubledBy, 'TaskChanged', c - 1);
    }
  }
  // Name-based event ids make a second Scheduled/Triggered/Dismissed of one reminder collide in
  // the outbox; checked anyway from the log, by (reminder, transition).
  const transitions = new Map<string, number>();
  for (const e of f.logged)
    if (e.topic === 'todo.reminders.events')
      transitions.set(`${e.key}/${e.eventType}`, (transitions.get(`${e.key}/${e.eventType}`) ?? 0) + 1);
  for (const n of transitions.values()) if (n > 1) bump(doubledBy, 'reminder transitions', n - 1);
  bump(doubledBy, 'scheduled reminders per task', f.effects.tasksWithSeveralScheduledReminders);
  bump(doubledBy, 'recurring instances', f.effects.extraRecurringInstances);
  bump(missingBy, 'recurring instances', missingRecurringInstances(f));
  const reminderWork = missingReminderWork(f);
  bump(missingBy, 'due-date reminders', reminderWork.dueDateReminders);
  bump(missingBy, 'reminder dismissals', reminderWork.dismissals);

  const distinct = f.notificationCalls.size;
  let raw = 0;
  for (const n of f.notificationCalls.values()) raw += n;
  const missingNotifications = [...f.effects.triggeredReminders].filter((id) => !f.notificationCalls.has(id)).length;
  const withoutTriggered = [...f.notificationCalls.keys()].filter((id) => !f.effects.triggeredReminders.has(id)).length;
  bump(missingBy, 'notifications', missingNotifications);
  // A reminder due by quiescence that is still Scheduled was never fired (quiescence waited for
  // every due pending trigger, so none was left to fire).
  const quietAt = f.quietAt?.getTime();
  const notFired =
    quietAt === undefined
      ? 0
      : f.effects.reminders.filter((r) => r.status === 'Scheduled' && r.remindAt <= quietAt).length;
  bump(missingBy, 'reminders not fired', notFired);
  // A receiver key without a Triggered reminder: delivered, then the commit was lost and the
  // reminder was dismissed before the retry — the one gap the delivery contract admits. Reported.

  const doubled = Object.values(doubledBy).reduce((s, n) => s + n, 0);
  const missing = Object.values(missingBy).reduce((s, n) => s + n, 0);
  if (doubled) violations.push(`doubled side effects: ${JSON.stringify(doubledBy)}`);
  if (missing) violations.push(`missing side effects: ${JSON.stringify(missingBy)}`);

  // DLQ topics are shared by everything on the broker: only records of the run's users are the
  // run's. A group may hold the poison more than once (redelivered between its DLQ publish and its
  // offset commit, or read by another consumer of that group on a shared broker); what counts is
  // that every group reading its topic dead-lettered it, and no other group did.
  const poisonGroups = new Set<string>();
  let poisonCopies = 0;
  let deadLettered = f.effects.relayDeadLetterRows;
  for (const r of f.dlqRecords) {
    if (!(r.headers['user-id'] ?? '').startsWith(f.userPrefix)) continue;
    if (f.poison && r.headers['event-id'] === f.poison.eventId) {
      poisonCopies++;
      poisonGroups.add(r.headers['consumer-group'] ?? r.topic);
    } else deadLettered++;
  }
  if (deadLettered)
    violations.push(`dead-lettered: ${deadLettered} records in DLQs (or relay dead-letter rows) that nobody poisoned`);
  const poisonExpected = f.poison?.expectedGroups.length ?? 0;
  if (f.poison && (poisonGroups.size !== poisonExpected || !f.poison.expectedGroups.every((g) => poisonGroups.has(g))))
    violations.push(
      `poison: the deliberate poison record reached the DLQs of ${[...poisonGroups].sort().join(', ') || 'no group'}, expected ${f.poison.expectedGroups.join(', ')}`,
    );

  return {
    eventsWritten: f.logged.length,
    eventsByTopic,
    kafkaRecords: f.records.length,
    redelivered,
    lost: lostEvents.length,
    unexpectedInKafka: unexpected.size,
    outOfOrder: order.length,
    taskVersionMismatches: f.effects.taskVersionMismatches,
    doubled,
    doubledBy,
    missingSideEffects: missing,
    missingBy,
    deadLettered,
    poison: {
      injected: f.poison !== undefined,
      deadLetteredBy: poisonGroups.size,
      copies: poisonCopies,
      expected: poisonExpected,
    },
    notifications: {
      raw,
      distinct,
      repeatedCalls: raw - distinct,
      triggeredReminders: f.effects.triggeredReminders.size,
      missing: missingNotifications,
      notFired,
      withoutTriggeredReminder: withoutTriggered,
    },
    recurringInstances: f.effects.recurringInstances,
    violations,
    ok: violations.length === 0,
  };
}
