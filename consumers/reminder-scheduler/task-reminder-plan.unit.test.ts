import type { ConsumedEvent } from '../../lib/consumer/consumed-event.js';
import { reminderPlanOf } from './task-reminder-plan.js';
import { dueDateReminderId, nameUuid } from './reminder-ids.js';

const TASK = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const DUE = Date.parse('2026-12-04T09:00:00Z');

function event(eventType: string, payload: Record<string, unknown>): ConsumedEvent {
  return {
    eventId: '0b0e8a52-3f0c-4d8e-9a55-111111111111',
    eventType,
    topic: 'todo.tasks.events',
    partition: 0,
    offset: '0',
    key: TASK,
    aggregateVersion: 1,
    userId: 'alice',
    traceparent: '',
    occurredAt: new Date(),
    headers: {},
    payload: { id: TASK, user_id: 'alice', title: 'report', ...payload },
  };
}

describe('reminderPlanOf', () => {
  it('schedules at due date minus the default lead, or the task’s own lead', () => {
    expect(reminderPlanOf(event('TaskCreated', { due_date: DUE }), 15)).toEqual({
      kind: 'reconcile',
      taskId: TASK,
      userId: 'alice',
      reason: 'rescheduled',
      desired: { remindAt: new Date(DUE - 15 * 60_000), title: 'report' },
    });
    const p = reminderPlanOf(event('TaskUpdated', { due_date: DUE, reminder_lead_minutes: 0 }), 15);
    expect(p.kind === 'reconcile' && p.desired?.remindAt.getTime()).toBe(DUE);
  });

  it('wants no due-date reminder without a due date or for a template', () => {
    expect(reminderPlanOf(event('TaskUpdated', { due_date: null }), 15)).toMatchObject({
      kind: 'reconcile',
      desired: null,
      reason: 'due_date_cleared',
    });
    expect(reminderPlanOf(event('TaskCreated', { due_date: DUE, is_recurring_template: true }), 15)).toMatchObject({
      kind: 'reconcile',
      desired: null,
      reason: 'recurring_template',
    });
  });

  it('dismisses everything on completion (either event) and deletion', () => {
    expect(reminderPlanOf(event('TaskCompleted', { completed_at: DUE }), 15)).toMatchObject({
      kind: 'dismiss-all',
      reason: 'completed',
    });
    expect(reminderPlanOf(event('TaskUpdated', { due_date: DUE, completed: true }), 15)).toMatchObject({
      kind: 'dismiss-all',
      reason: 'completed',
    });
    expect(reminderPlanOf(event('TaskDeleted', { deleted_at: DUE }), 15)).toMatchObject({
      kind: 'dismiss-all',
      reason: 'deleted',
    });
  });

  it('ignores events without a usable task id', () => {
    expect(reminderPlanOf({ ...event('TaskCreated', { id: 'nope', due_date: DUE }), key: 'nope' }, 15)).toMatchObject({
      kind: 'ignore',
    });
  });
});

describe('reminder ids', () => {
  it('are stable UUIDs derived from their cause', () => {
    const id = dueDateReminderId('0B0E8A52-3F0C-4D8E-9A55-111111111111');
    expect(id).toBe(dueDateReminderId('0b0e8a52-3f0c-4d8e-9a55-111111111111'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nameUuid('a')).not.toBe(nameUuid('b'));
  });
});
