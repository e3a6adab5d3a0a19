/**
 * The task domain: every change and its event are written in the caller's transaction. A change
 * takes the task row's lock (its UPDATE or DELETE) before it writes its outbox row, so concurrent
 * changes of one task commit one after the other and their aggregate versions follow commit order.
 * The event is encoded (and so validated) before its row is written: a payload that does not fit
 * its schema throws and the transaction writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type Task } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { Db, Tx } from '../../lib/db/prisma.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { taskCompletedPayload, taskDeletedPayload, taskUpdatedPayload } from '../../lib/events/task-event-payloads.js';
import {
  encodeOutboxEvent,
  outboxInsert,
  type EncodedOutboxEvent,
  type OutboxEventInput,
} from '../../lib/outbox/append-outbox-event.js';
import { formatRecurrencePattern, parseRecurrencePattern } from '../../lib/recurrence.js';
import type { CreateTaskInput, ListTasksQuery, UpdateTaskInput } from './task-input.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { insertTaskWithEvent, taskCreatedEvent, taskEvent } from '../../lib/tasks/create-task.js';
import { TASK_FIELDS, updateTask, type TaskChange } from '../../lib/tasks/task-sql.js';

/** Who is acting and the trace their events carry. */
export interface ActorContext {
  userId: string;
  traceparent: string;
}

export interface TaskServiceDeps {
  codec: EventCodec;
  onEventWritten?: (eventType: string) => void;
  /** Benchmark switch only: skip the outbox row (and its encoding) to measure its cost. */
  outboxEnabled?: boolean;
}

const SNAKE: Record<string, string> = {
  title: 'title',
  description: 'description',
  dueDate: 'due_date',
  priority: 'priority',
  tags: 'tags',
  isRecurringTemplate: 'is_recurring_template',
  recurrencePattern: 'recurrence_pattern',
  reminderLeadMinutes: 'reminder_lead_minutes',
  completed: 'completed',
};

/** Prisma passes `contains` text into ILIKE unescaped: make `%`, `_` and backslash match themselves. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function normalisedPattern(p: string | null | undefined): string | null | undefined {
  return p ? formatRecurrencePattern(parseRecurrencePattern(p)) : p;
}

export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {}

  /** The change's event, ready to insert; none when the outbox is switched off. */
  private async encode(e: OutboxEventInput): Promise<EncodedOutboxEvent | undefined> {
    if (this.deps.outboxEnabled === false) return undefined;
    return encodeOutboxEvent(this.deps.codec, e);
  }

  private async append(sql: SqlTx, event: EncodedOutboxEvent | undefined): Promise<void> {
    if (!event) return;
    await sql.execute(outboxInsert(event));
    this.deps.onEventWritten?.(event.eventType);
  }

  /** One statement writes the task and its TaskCreated row: the id and timestamps are chosen here so the event can be encoded first. */
  async create(
    sql: SqlTx,
    ctx: ActorContext,
    input: CreateTaskInput,
    instanceOf?: { templateId: string; occurrenceAt: Date },
  ): Promise<Task> {
    const pattern = normalisedPattern(input.recurrencePattern);
    const isTemplate = input.isRecurringTemplate ?? Boolean(pattern);
    if (isTemplate && !pattern)
      throw new ValidationError([{ field: 'recurrencePattern', message: 'is required for a recurring template' }]);
    const now = new Date();
    const task: Task = {
      id: randomUUID(),
      userId: ctx.userId,
      title: input.title,
      description: input.description ?? null,
      dueDate: input.dueDate ? new Date(input.dueDate) : null,
      priority: input.priority ?? 'Medium',
      tags: input.tags ?? [],
      completed: false,
      completedAt: null,
      isRecurringTemplate: isTemplate,
      recurrencePattern: pattern ?? null,
      templateId: instanceOf?.templateId ?? null,
      reminderLeadMinutes: input.reminderLeadMinutes ?? null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const event = await this.encode(taskCreatedEvent(task, ctx.traceparent, instanceOf?.occurrenceAt ?? null));
    await insertTaskWithEvent(sql, task, event);
    if (event) this.deps.onEventWritten?.(event.eventType);
    return task;
  }

  async get(db: Db | Tx, userId: string, id: string): Promise<Task> {
    const t = await db.task.findFirst({ where: { id, userId } });
    if (!t) throw new NotFoundError('task');
    return t;
  }

  async list(db: Db | Tx, userId: string, q: ListTasksQuery): Promise<{ items: Task[]; nextCursor: string | null }> {
    const where: Prisma.TaskWhereInput = { userId };
    if (q.status !== 'all') where.completed = q.status === 'completed';
    if (q.priority) where.priority = q.priority;
    if (q.tag) where.tags = { has: q.tag };
    if (q.dueFrom || q.dueTo)
      where.dueDate = { ...(q.dueFrom && { gte: new Date(q.dueFrom) }), ...(q.dueTo && { lte: new Date(q.dueTo) }) };
    if (q.q) {
      const text = likeLiteral(q.q);
      where.OR = [
        { title: { contains: text, mode: 'insensitive' } },
        { description: { contains: text, mode: 'insensitive' } },
      ];
    }
    const rows = await db.task.findMany({
      where,
      // Tasks without a due date come last whichever way due dates are sorted.
      orderBy: [
        q.sort === 'dueDate' ? { dueDate: { sort: q.order, nulls: 'last' } } : { [q.sort]: q.order },
        { id: 'asc' },
      ],
      take: q.limit + 1,
      ...(q.cursor && { cursor: { id: q.cursor }, skip: 1 }),
    });
    const more = rows.length > q.limit;
    const items = more ? rows.slice(0, q.limit) : rows;
    return { items, nextCursor: more ? items[items.length - 1]!.id : null };
  }

  async update(sql: SqlTx, ctx: ActorContext, id: string, patch: UpdateTaskInput): Promise<Task> {
    const now = new Date();
    const change: TaskChange = {};
    if (patch.title !== undefined) change.title = patch.title;
    if (patch.description !== undefined) change.description = patch.description;
    if (patch.dueDate !== undefined) change.dueDate = patch.dueDate ? new Date(patch.dueDate) : null;
    if (patch.priority !== undefined) change.priority = patch.priority;
    if (patch.tags !== undefined) change.tags = patch.tags;
    if (patch.reminderLeadMinutes !== undefined) change.reminderLeadMinutes = patch.reminderLeadMinutes;
    if (patch.recurrencePattern !== undefined)
      change.recurrencePattern = normalisedPattern(patch.recurrencePattern) ?? null;
    if (patch.isRecurringTemplate !== undefined) change.isRecurringTemplate = patch.isRecurringTemplate;
    else if (patch.recurrencePattern) change.isRecurringTemplate = true;
    if (patch.completed !== undefined) {
      change.completed = patch.completed;
      change.completedAt = patch.completed ? now : null;
    }
    // The UPDATE writes nothing when the change would leave a template without a pattern, so a
    // caller that survives this error (a chat turn answering it) has no version bump without its event.
    const [task] = await sql.query<Task>(updateTask(id, ctx.userId, change, now));
    if (!task) {
      const [exists] = await sql.query<{ id: string }>(
        Prisma.sql`select id from tasks where id = ${id}::uuid and user_id = ${ctx.userId}`,
      );
      if (!exists) throw new NotFoundError('task');
      throw new ValidationError([{ field: 'recurrencePattern', message: 'is required for a recurring template' }]);
    }
    const changed = Object.keys(patch).map((k) => SNAKE[k] ?? k);
    await this.append(
      sql,
      await this.encode(
        taskEvent('TaskUpdated', task, ctx.traceparent, taskUpdatedPayload(task, changed), task.updatedAt),
      ),
    );
    return task;
  }

  /** Marks a task done; completing a done task changes nothing and emits nothing. */
  async complete(sql: SqlTx, ctx: ActorContext, id: string): Promise<Task> {
    const now = new Date();
    // A concurrent completion makes this UPDATE wait for the row, then find it done and match nothing.
    const [task] = await sql.query<Task>(Prisma.sql`
      update tasks set completed = true, completed_at = ${now}, version = version + 1, updated_at = ${now}
       where id = ${id}::uuid and user_id = ${ctx.userId} and not completed
      returning ${TASK_FIELDS}`);
    if (!task) {
      const [done] = await sql.query<Task>(
        Prisma.sql`select ${TASK_FIELDS} from tasks where id = ${id}::uuid and user_id = ${ctx.userId}`,
      );
      if (!done) throw new NotFoundError('task');
      return done;
    }
    await this.append(
      sql,
      await this.encode(taskEvent('TaskCompleted', task, ctx.traceparent, taskCompletedPayload(task), now)),
    );
    return task;
  }

  async delete(sql: SqlTx, ctx: ActorContext, id: string): Promise<Task> {
    const [task] = await sql.query<Task>(
      Prisma.sql`delete from tasks where id = ${id}::uuid and user_id = ${ctx.userId} returning ${TASK_FIELDS}`,
    );
    if (!task) throw new NotFoundError('task');
    const deletedAt = new Date();
    // The row is gone; the deletion is the aggregate's last change.
    const payload = taskDeletedPayload(task, deletedAt);
    await this.append(
      sql,
      await this.encode(taskEvent('TaskDeleted', task, ctx.traceparent, payload, deletedAt, task.version + 1)),
    );
    return task;
  }
}
