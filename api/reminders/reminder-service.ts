/**
 * Explicit reminders asked for in chat: a reminder row and its ReminderScheduled event, in the
 * caller's transaction, written as every reminder is (lib/reminders/schedule-reminder.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Reminder, Task } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { ValidationError } from '../../lib/errors.js';
import { planReminder, writeReminders } from '../../lib/reminders/schedule-reminder.js';
import { DATE_RANGE_MESSAGE, isSupportedDate } from '../tasks/task-input.js';
import type { ActorContext } from '../tasks/task-service.js';

export class ReminderService {
  constructor(private readonly deps: { codec: EventCodec; onEventWritten?: (eventType: string) => void }) {}

  async schedule(sql: SqlTx, ctx: ActorContext, task: Task, remindAt: Date): Promise<Reminder> {
    if (Number.isNaN(remindAt.getTime()))
      throw new ValidationError([{ field: 'remindAt', message: 'must be a date-time' }]);
    if (!isSupportedDate(remindAt)) throw new ValidationError([{ field: 'remindAt', message: DATE_RANGE_MESSAGE }]);
    const planned = await planReminder(this.deps.codec, {
      id: randomUUID(),
      taskId: task.id,
      userId: ctx.userId,
      title: task.title,
      remindAt,
      source: 'explicit',
      at: new Date(),
      traceparent: ctx.traceparent,
    });
    // A random id is never there already; were it, the reminder would not be this one.
    if ((await writeReminders(sql, [planned])) !== 1) throw new Error(`reminder ${planned.id} already exists`);
    this.deps.onEventWritten?.('ReminderScheduled');
    return planned.reminder;
  }
}
