/**
 * The task domain: every change and its event are written in the caller's transaction. A change
 * takes the task row's lock (UPDATE or SELECT … FOR UPDATE) before it writes its outbox row, so
 * concurrent changes of one task commit one after the other and their aggregate versions follow
 * commit order.
 */
import { Prisma, type Task } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { Db, Tx } from '../../lib/db/prisma.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { taskCompletedPayload, taskCreatedPayload, taskDeletedPayload, taskUpdatedPayload } from '../../lib/events/task-event-payloads.js';
import { appendOutboxEvent, type OutboxEventInput } from '../../lib/outbox/append-outbox-event.js';
import { formatRecurrencePattern, parseRecurrencePattern } from '../../lib/recurrence.js';
import type { CreateTaskInput, ListTasksQuery, UpdateTaskInput } from './task-input.js';

/** Who is acting and the trace their events carry. */
export interface ActorContext {
  userId: string;
  traceparent: string;
}

export interface TaskServiceDeps {
  codec: EventCodec;
  onEventWritten?: (eventType: string) => void;
  /** Benchmark switch only: skip the outbox write to measure its cost. */
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

function isNotFound(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';
}

/** Prisma passes `contains` text into ILIKE unescaped: make `%`, `_` and backslash match themselves. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function normalisedPattern(p: string | null | undefined): string | null | undefined {
  return p ? formatRecurrencePattern(parseRecurrencePattern(p)) : p;
}

export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {}

  private async emit(tx: Tx, e: OutboxEventInput): Promise<void> {
    if (this.deps.outboxEnabled === false) return;
    await appendOutboxEvent(tx, this.deps.codec, e);
    this.deps.onEventWritten?.(e.eventType);
  }

  async create(tx: Tx, ctx: ActorContext, input: CreateTaskInput, instanceOf?: { templateId: string; occurrenceAt: Date }): Promise<Task> {
    const pattern = normalisedPattern(input.recurrencePattern);
    const isTemplate = input.isRecurringTemplate ?? Boolean(pattern);
    if (isTemplate && !pattern) throw new ValidationError([{ field: 'recurrencePattern', message: 'is required for a recurring template' }]);
    const task = await tx.task.create({
      data: {
        userId: ctx.userId,
        title: input.title,
        description: input.description ?? null,
        dueDate: input.dueDate ? new Date(input.dueDate) : null,
        priority: input.priority ?? 'Medium',
        tags: input.tags ?? [],
        isRecurringTemplate: isTemplate,
        recurrencePattern: pattern ?? null,
        reminderLeadMinutes: input.reminderLeadMinutes ?? null,
        templateId: instanceOf?.templateId ?? null,
      },
    });
    await this.emit(tx, {
      eventType: 'TaskCreated',
      key: task.id,
      aggregateVersion: task.version,
      userId: ctx.userId,
      traceparent: ctx.traceparent,
      payload: taskCreatedPayload(task, instanceOf?.occurrenceAt ?? null),
      occurredAt: task.createdAt,
    });
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
    if (q.dueFrom || q.dueTo) where.dueDate = { ...(q.dueFrom && { gte: new Date(q.dueFrom) }), ...(q.dueTo && { lte: new Date(q.dueTo) }) };
    if (q.q) {
      const text = likeLiteral(q.q);
      where.OR = [{ title: { contains: text, mode: 'insensitive' } }, { description: { contains: text, mode: 'insensitive' } }];
    }
    const rows = await db.task.findMany({
      where,
      // Tasks without a due date come last whichever way due dates are sorted.
      orderBy: [q.sort === 'dueDate' ? { dueDate: { sort: q.order, nulls: 'last' } } : { [q.sort]: q.order }, { id: 'asc' }],
      take: q.limit + 1,
      ...(q.cursor && { cursor: { id: q.cursor }, skip: 1 }),
    });
    const more = rows.length > q.limit;
    const items = more ? rows.slice(0, q.limit) : rows;
    return { items, nextCursor: more ? items[items.length - 1]!.id : null };
  }

  async update(tx: Tx, ctx: ActorContext, id: string, patch: UpdateTaskInput): Promise<Task> {
    const data: Prisma.TaskUpdateInput = { version: { increment: 1 } };
    if (patch.title !== undefined) data.title = patch.title;
    if (patch.description !== undefined) data.description = patch.description;
    if (patch.dueDate !== undefined) data.dueDate = patch.dueDate ? new Date(patch.dueDate) : null;
    if (patch.priority !== undefined) data.priority = patch.priority;
    if (patch.tags !== undefined) data.tags = patch.tags;
    if (patch.reminderLeadMinutes !== undefined) data.reminderLeadMinutes = patch.reminderLeadMinutes;
    if (patch.recurrencePattern !== undefined) data.recurrencePattern = normalisedPattern(patch.recurrencePattern) ?? null;
    if (patch.isRecurringTemplate !== undefined) data.isRecurringTemplate = patch.isRecurringTemplate;
    else if (patch.recurrencePattern) data.isRecurringTemplate = true;
    if (patch.completed !== undefined) {
      data.completed = patch.completed;
      data.completedAt = patch.completed ? new Date() : null;
    }
    let task: Task;
    try {
      task = await tx.task.update({ where: { id, userId: ctx.userId }, data });
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError('task');
      throw err;
    }
    if (task.isRecurringTemplate && !task.recurrencePattern) {
      throw new ValidationError([{ field: 'recurrencePattern', message: 'is required for a recurring template' }]);
    }
    await this.emit(tx, {
      eventType: 'TaskUpdated',
      key: task.id,
      aggregateVersion: task.version,
      userId: ctx.userId,
      traceparent: ctx.traceparent,
      payload: taskUpdatedPayload(task, Object.keys(patch).map((k) => SNAKE[k] ?? k)),
      occurredAt: task.updatedAt,
    });
    return task;
  }

  /** Marks a task done; completing a done task changes nothing and emits nothing. */
  async complete(tx: Tx, ctx: ActorContext, id: string): Promise<Task> {
    const locked = await tx.$queryRaw<{ completed: boolean }[]>`
      select completed from tasks where id = ${id}::uuid and user_id = ${ctx.userId} for update`;
    if (locked.length === 0) throw new NotFoundError('task');
    if (locked[0]!.completed) return this.get(tx, ctx.userId, id);
    const task = await tx.task.update({
      where: { id },
      data: { completed: true, completedAt: new Date(), version: { increment: 1 } },
    });
    await this.emit(tx, {
      eventType: 'TaskCompleted',
      key: task.id,
      aggregateVersion: task.version,
      userId: ctx.userId,
      traceparent: ctx.traceparent,
      payload: taskCompletedPayload(task),
      occurredAt: task.completedAt ?? task.updatedAt,
    });
    return task;
  }

  async delete(tx: Tx, ctx: ActorContext, id: string): Promise<Task> {
    let task: Task;
    try {
      task = await tx.task.delete({ where: { id, userId: ctx.userId } });
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError('task');
      throw err;
    }
    const deletedAt = new Date();
    await this.emit(tx, {
      eventType: 'TaskDeleted',
      key: task.id,
      // The row is gone; the deletion is the aggregate's last change.
      aggregateVersion: task.version + 1,
      userId: ctx.userId,
      traceparent: ctx.traceparent,
      payload: taskDeletedPayload(task, deletedAt),
      occurredAt: deletedAt,
    });
    return task;
  }
}
