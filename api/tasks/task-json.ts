/** A task as it travels in JSON: the model's camelCase names, dates as ISO strings. */
import type { Task } from '@prisma/client';

export interface TaskJson {
  id: string;
  title: string;
  description: string | null;
  dueDate: string | null;
  priority: Task['priority'];
  tags: string[];
  completed: boolean;
  completedAt: string | null;
  isRecurringTemplate: boolean;
  recurrencePattern: string | null;
  templateId: string | null;
  reminderLeadMinutes: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function taskJson(t: Task): TaskJson {
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    dueDate: t.dueDate?.toISOString() ?? null,
    priority: t.priority,
    tags: t.tags,
    completed: t.completed,
    completedAt: t.completedAt?.toISOString() ?? null,
    isRecurringTemplate: t.isRecurringTemplate,
    recurrencePattern: t.recurrencePattern,
    templateId: t.templateId,
    reminderLeadMinutes: t.reminderLeadMinutes,
    version: t.version,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}
