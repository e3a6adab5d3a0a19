/**
 * What a task event means for recurring-task-cg: a template to (re)schedule, a schedule to stop,
 * or nothing. Reads the decoded Avro payloads of TaskCreated / TaskUpdated / TaskDeleted.
 */
import type { Priority } from '@prisma/client';
import type { ConsumedEvent } from '../../lib/consumer/consumed-event.js';

/** A template as one of its events describes it. */
export interface TemplateSnapshot {
  templateId: string;
  userId: string;
  /** The event's aggregate-version: newer snapshots replace older ones, never the reverse. */
  version: number;
  /** When the change happened (the event's occurred-at). */
  occurredAt: Date;
  pattern: string;
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  dueDate: Date | null;
  /** Only TaskCreated carries it; for TaskUpdated the schedule looks it up. */
  createdAt: Date | null;
}

export type TemplateChange =
  | { kind: 'schedule'; template: TemplateSnapshot }
  | { kind: 'stop'; templateId: string; version: number }
  | { kind: 'ignore' };

const PRIORITIES: readonly Priority[] = ['Low', 'Medium', 'High'];

/** Avro timestamp-millis decodes as a number (or a long-like value); accept what the decoder gives. */
function dateOf(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(typeof v === 'bigint' ? Number(v) : (v as number | string));
  return Number.isNaN(d.getTime()) ? null : d;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function snapshotOf(e: ConsumedEvent, pattern: string): TemplateSnapshot {
  const p = e.payload;
  const priority = PRIORITIES.includes(p.priority as Priority) ? (p.priority as Priority) : 'Medium';
  return {
    templateId: text(p.id) ?? e.key,
    userId: text(p.user_id) ?? e.userId,
    version: e.aggregateVersion,
    occurredAt: e.occurredAt,
    pattern,
    title: text(p.title) ?? '',
    description: text(p.description),
    priority,
    tags: Array.isArray(p.tags) ? p.tags.filter((t): t is string => typeof t === 'string') : [],
    dueDate: dateOf(p.due_date),
    createdAt: dateOf(p.created_at),
  };
}

/**
 * TaskCreated/TaskUpdated of a task that is a template with a pattern: schedule it. TaskUpdated
 * that turned the template off, and TaskDeleted: stop its schedule (if it has one). Instances
 * (TaskCreated with a template_id) are ordinary tasks; TaskCompleted changes nothing (completing
 * the template does not end the series: deleting it or turning recurrence off does).
 */
export function templateChangeOf(e: ConsumedEvent): TemplateChange {
  const p = e.payload;
  const id = text(p.id) ?? e.key;
  switch (e.eventType) {
    case 'TaskCreated':
    case 'TaskUpdated': {
      if (e.eventType === 'TaskCreated' && p.template_id != null) return { kind: 'ignore' };
      const pattern = text(p.recurrence_pattern);
      if (p.is_recurring_template === true && pattern) return { kind: 'schedule', template: snapshotOf(e, pattern) };
      return e.eventType === 'TaskUpdated'
        ? { kind: 'stop', templateId: id, version: e.aggregateVersion }
        : { kind: 'ignore' };
    }
    case 'TaskDeleted':
      return { kind: 'stop', templateId: id, version: e.aggregateVersion };
    default:
      return { kind: 'ignore' };
  }
}
