/**
 * recurring-task-cg's event side: template events on todo.tasks.events keep the template's
 * RecurrenceSchedule in step. Runs inside the runtime's transaction (inbox row + side effect).
 */
import type { EventHandler } from '../../lib/consumer/consumed-event.js';
import { TOPICS } from '../../lib/topics.js';
import { stopSchedule } from './schedule-sql.js';
import { templateChangeOf } from './template-change.js';
import { upsertSchedule } from './upsert-schedule.js';

export const recurringTaskHandler: EventHandler = {
  topics: [TOPICS.tasks],
  async handle(tx, event, ctx) {
    const change = templateChangeOf(event);
    switch (change.kind) {
      case 'schedule':
        await upsertSchedule(tx, change.template, ctx.clock());
        return;
      case 'stop':
        await stopSchedule(tx, change.templateId, change.version, ctx.clock());
        return;
      case 'ignore':
        return;
      default: {
        const never: never = change;
        throw new Error(`unhandled template change ${JSON.stringify(never)}`);
      }
    }
  },
};
