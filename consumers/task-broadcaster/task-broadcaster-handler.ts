/**
 * task-broadcaster-cg: every task event (TaskCreated, TaskUpdated, TaskCompleted, TaskDeleted)
 * becomes one TaskChanged on todo.task_updates.broadcast, keyed by the task's user, for live UI
 * updates (the API streams them as Server-Sent Events at GET /api/:userId/events).
 *
 * The TaskChanged is written through the outbox in the runtime's transaction, so it is published
 * exactly when the inbox row commits: a redelivered task event is skipped by the inbox and causes
 * no second TaskChanged. Its aggregate-version is the next value of the user's
 * broadcast_sequences row, incremented in the same transaction: the row lock is held until commit,
 * so per user key the versions follow commit order and are strictly increasing. A chunk of events
 * (one transaction, several users) first locks its users' rows in user-id order, so two chunks in
 * flight on different partitions queue on a shared user instead of deadlocking.
 */
import { createHash } from 'node:crypto';
import { Prisma, type Task } from '@prisma/client';
import type { ConsumedEvent, EventHandler, HandlerContext } from '../../lib/consumer/consumed-event.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { taskSnapshotPayload } from '../../lib/events/task-event-payloads.js';
import { TASK_FIELDS } from '../../lib/tasks/task-sql.js';
import { encodeOutboxEvent, outboxInsertMany, type EncodedOutboxEvent } from '../../lib/outbox/append-outbox-event.js';
import { TOPICS } from '../../lib/topics.js';
import type { ConsumerServiceDefinition } from '../consumer-service.js';

export type ChangeKind = 'Created' | 'Updated' | 'Completed' | 'Deleted';

const KINDS: Record<string, ChangeKind> = {
  TaskCreated: 'Created',
  TaskUpdated: 'Updated',
  TaskCompleted: 'Completed',
  TaskDeleted: 'Deleted',
};

/** The TaskSnapshot record of schemas/TaskChanged.avsc. */
export interface TaskSnapshotPayload {
  title: string;
  description: string | null;
  due_date: number | null;
  priority: 'Low' | 'Medium' | 'High' | null;
  tags: string[];
  is_recurring_template: boolean;
  recurrence_pattern: string | null;
  completed: boolean;
  completed_at: number | null;
  template_id: string | null;
}

export interface TaskChangedPayload {
  task_id: string;
  user_id: string;
  change_kind: ChangeKind;
  version: number;
  occurred_at: number;
  source_event_id: string;
  snapshot: TaskSnapshotPayload | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRIORITIES = ['Low', 'Medium', 'High'] as const;

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const bool = (v: unknown): boolean => v === true;
/** Avro timestamp-millis decodes as a number (or a long-like value). */
function millis(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = v instanceof Date ? v.getTime() : Number(v);
  return Number.isFinite(n) ? n : null;
}

function priorityOf(v: unknown): TaskSnapshotPayload['priority'] {
  return (PRIORITIES as readonly unknown[]).includes(v) ? (v as TaskSnapshotPayload['priority']) : null;
}

/**
 * The task as the event describes it, for a row that no longer exists (or was never in this
 * database). TaskCreated and TaskUpdated carry the task's fields; TaskCompleted does not (it
 * carries only the id and the completion time), so without a row it has no snapshot: the task is
 * gone, and its TaskDeleted follows.
 */
function snapshotFromPayload(e: ConsumedEvent): TaskSnapshotPayload | null {
  const p = e.payload;
  if (e.eventType !== 'TaskCreated' && e.eventType !== 'TaskUpdated') return null;
  const templateId = text(p.template_id);
  return {
    title: text(p.title) ?? '',
    description: text(p.description),
    due_date: millis(p.due_date),
    priority: priorityOf(p.priority),
    tags: Array.isArray(p.tags) ? p.tags.filter((t): t is string => typeof t === 'string') : [],
    is_recurring_template: bool(p.is_recurring_template),
    recurrence_pattern: text(p.recurrence_pattern),
    completed: bool(p.completed),
    completed_at: null,
    template_id: templateId && UUID.test(templateId) ? templateId : null,
  };
}

/** The users' sequence rows, created if missing and locked in user-id order (the one order every chunk uses). */
async function lockSequences(tx: SqlTx, userIds: string[]): Promise<void> {
  await tx.execute(Prisma.sql`
    insert into broadcast_sequences (user_id, seq) select u, 0 from unnest(${userIds}::text[]) as u order by u
    on conflict (user_id) do nothing`);
  await tx.query(
    Prisma.sql`select user_id from broadcast_sequences where user_id = any(${userIds}::text[]) order by user_id for update`,
  );
}

/**
 * Advances each user's sequence by how many TaskChanged the user gets, in one statement, and
 * returns each user's first new value: the user's events take first, first + 1, … in offset order.
 * The rows stay locked until the transaction ends.
 */
async function takeSequences(tx: SqlTx, counts: Map<string, number>): Promise<Map<string, number>> {
  const userIds = [...counts.keys()].sort();
  const ns = userIds.map((u) => counts.get(u)!);
  const rows = await tx.query<{ user_id: string; seq: bigint }>(Prisma.sql`
    insert into broadcast_sequences (user_id, seq) select u, n from unnest(${userIds}::text[], ${ns}::int[]) as c(u, n) order by u
    on conflict (user_id) do update set seq = broadcast_sequences.seq + excluded.seq
    returning user_id, seq`);
  return new Map(rows.map((r) => [r.user_id, Number(r.seq) - counts.get(r.user_id)! + 1]));
}

/**
 * A name-based (version 5 style) UUID: the TaskChanged caused by one task event always has the
 * same event id, so even a copy made outside the inbox (a second independent group) dedupes
 * downstream by event id.
 */
export function taskChangedEventId(sourceEventId: string): string {
  const h = createHash('sha1').update('task-broadcaster-cg/TaskChanged/').update(sourceEventId.toLowerCase()).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The tasks' rows by id, read in one query with raw SQL: Prisma's query compiler costs about 1 ms
 * of CPU per query, most of what this handler costs.
 */
async function findTasks(tx: SqlTx, taskIds: string[]): Promise<Map<string, Task>> {
  if (taskIds.length === 0) return new Map();
  const rows = await tx.query<Task>(Prisma.sql`select ${TASK_FIELDS} from tasks where id = any(${taskIds}::uuid[])`);
  return new Map(rows.map((r) => [r.id.toLowerCase(), r]));
}

/** The user a task event's TaskChanged is keyed by. */
const userIdOf = (e: ConsumedEvent): string => text(e.payload.user_id) || e.userId;

/** The record key is the task id (the aggregate id); the payload's id is the fallback. */
function taskIdOf(e: ConsumedEvent): string {
  return UUID.test(e.key) ? e.key : (text(e.payload.id) ?? e.key);
}

/** What the broadcaster publishes for a task event, given the task's row (if it still exists). */
export function taskChangedOf(e: ConsumedEvent, row: Task | null): TaskChangedPayload | undefined {
  const kind = KINDS[e.eventType];
  if (!kind) return undefined;
  const taskId = taskIdOf(e);
  const userId = userIdOf(e);
  let snapshot: TaskSnapshotPayload | null = null;
  if (kind !== 'Deleted') snapshot = row && row.userId === userId ? taskSnapshotPayload(row) : snapshotFromPayload(e);
  return {
    task_id: taskId,
    user_id: userId,
    change_kind: kind,
    version: e.aggregateVersion,
    occurred_at: e.occurredAt.getTime(),
    source_event_id: e.eventId,
    snapshot,
  };
}

/** A row lookup is needed unless the event deletes the task or names no task id. */
const lookupIdOf = (e: ConsumedEvent): string | undefined => {
  const taskId = taskIdOf(e);
  return e.eventType !== 'TaskDeleted' && UUID.test(taskId) ? taskId.toLowerCase() : undefined;
};

/**
 * Publishes the TaskChanged of each of `events` (in order) with three statements whatever their
 * number: the task rows in one query, the users' sequence increments in one, the outbox rows in one.
 */
async function publishTaskChanges(
  tx: SqlTx,
  events: readonly ConsumedEvent[],
  codec: HandlerContext['codec'],
): Promise<void> {
  const taskEvents = events.filter((e) => KINDS[e.eventType]);
  const rows = await findTasks(tx, [
    ...new Set(taskEvents.map(lookupIdOf).filter((id): id is string => id !== undefined)),
  ]);
  const changes = taskEvents
    .map((e) => ({ e, change: taskChangedOf(e, rows.get(lookupIdOf(e) ?? '') ?? null) }))
    .filter((c): c is { e: ConsumedEvent; change: TaskChangedPayload } => Boolean(c.change?.user_id));
  if (changes.length === 0) return;
  const counts = new Map<string, number>();
  for (const { change } of changes) counts.set(change.user_id, (counts.get(change.user_id) ?? 0) + 1);
  const next = await takeSequences(tx, counts);
  const encoded: EncodedOutboxEvent[] = [];
  for (const { e, change } of changes) {
    const sequence = next.get(change.user_id)!;
    next.set(change.user_id, sequence + 1);
    encoded.push(
      await encodeOutboxEvent(codec, {
        eventType: 'TaskChanged',
        eventId: taskChangedEventId(e.eventId),
        key: change.user_id,
        aggregateVersion: sequence,
        userId: change.user_id,
        traceparent: e.traceparent,
        payload: change,
        occurredAt: e.occurredAt,
      }),
    );
  }
  await tx.execute(outboxInsertMany(encoded));
}

/**
 * A chunk's events are published together (after its users' sequence rows are locked in user-id
 * order); `handle` publishes one event processed record at a time.
 */
export const taskBroadcasterHandler: EventHandler = {
  topics: [TOPICS.tasks],
  async handle(tx, e, ctx) {
    await publishTaskChanges(tx, [e], ctx.codec);
  },
  async handleChunk(tx, events, ctx) {
    const userIds = [
      ...new Set(
        events
          .filter((e) => KINDS[e.eventType])
          .map(userIdOf)
          .filter(Boolean),
      ),
    ];
    if (userIds.length > 1) await lockSequences(tx, userIds);
    await publishTaskChanges(tx, events, ctx.codec);
  },
};

export const taskBroadcasterService: ConsumerServiceDefinition = {
  group: 'task-broadcaster-cg',
  createHandler: () => taskBroadcasterHandler,
};
