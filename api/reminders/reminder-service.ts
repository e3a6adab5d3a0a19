/** Explicit reminders asked for in chat: a reminder row and its ReminderScheduled event, one transaction. */
import type { Reminder, Task } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import type { Tx } from '../../lib/db/prisma.js';
import { ValidationError } from '../../lib/errors.js';
import { prismaSqlTx } from '../../lib/db/sql-tx.js';
import { appendOutboxEvent } from '../../lib/outbox/append-outbox-event.js';
import { DATE_RANGE_MESSAGE, isSupportedDate } from '../tasks/task-input.js';
import type { ActorContext } from '../tasks/task-service.js';

export class ReminderService {
  constructor(private readonly deps: { codec: EventCodec; onEventWritten?: (eventType: string) => void }) {}

  async schedule(tx: Tx, ctx: ActorContext, task: Task, remindAt: Date): Promise<Reminder> {
    if (Number.isNaN(remindAt.getTime()))
      throw new ValidationError([{ field: 'remindAt', message: 'must be a date-time' }]);
    if (!isSupportedDate(remindAt)) throw new ValidationError([{ field: 'remindAt', message: DATE_RANGE_MESSAGE }]);
    const reminder = await tx.reminder.create({
      data: { taskId: task.id, userId: ctx.userId, remindAt, source: 'explicit' },
    });
    await appendOutboxEvent(prismaSqlTx(tx), this.deps.codec, {
      eventType: 'ReminderScheduled',
      key: reminder.id,
      aggregateVersion: reminder.version,
      userId: ctx.userId,
      traceparent: ctx.traceparent,
      occurredAt: reminder.createdAt,
      payload: {
        id: reminder.id,
        task_id: task.id,
        user_id: ctx.userId,
        remind_at: remindAt.getTime(),
        task_title: task.title,
        source: 'explicit',
      },
    });
    this.deps.onEventWritten?.('ReminderScheduled');
    return reminder;
  }
}
