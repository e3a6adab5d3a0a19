/** The database side of the checks: what the consumers did, read once the system is quiet and stopped. */
import type { ChaosDatabase } from './chaos-database.js';
import type { SideEffectFacts } from './checks.js';

export async function gatherSideEffects(
  db: ChaosDatabase,
  topicsByGroup: Record<string, readonly string[]>,
): Promise<SideEffectFacts> {
  const q = async <T extends Record<string, unknown>>(sql: string) => (await db.pool.query<T>(sql)).rows;

  const processedByGroup: Record<string, Set<string>> = {};
  for (const r of await q<{ consumer_group: string; event_id: string }>(
    'select consumer_group, event_id from processed_events',
  )) {
    (processedByGroup[r.consumer_group] ??= new Set()).add(r.event_id);
  }
  const auditRows = new Map<string, number>();
  for (const r of await q<{ event_id: string; n: string }>(
    'select event_id, count(*) as n from audit_log group by event_id',
  ))
    auditRows.set(r.event_id, Number(r.n));
  const taskChangedPerSource = new Map<string, number>();
  for (const r of await q<{ source: string; n: string }>(
    "select payload->>'source_event_id' as source, count(*) as n from audit_log where event_type = 'TaskChanged' group by 1",
  )) {
    taskChangedPerSource.set(r.source, Number(r.n));
  }
  const one = async (sql: string) => Number((await q<{ n: string }>(sql))[0]?.n ?? 0);
  const instancesByTemplate = new Map<string, Set<number>>();
  for (const r of await q<{ template_id: string; due_date: Date | null }>(
    'select template_id::text, due_date from tasks where template_id is not null',
  ))
    if (r.due_date) {
      const set = instancesByTemplate.get(r.template_id) ?? new Set<number>();
      instancesByTemplate.set(r.template_id, set.add(r.due_date.getTime()));
    }
  const tasks = (
    await q<{
      id: string;
      due_date: Date | null;
      reminder_lead_minutes: number | null;
      completed: boolean;
      is_recurring_template: boolean;
    }>('select id::text, due_date, reminder_lead_minutes, completed, is_recurring_template from tasks')
  ).map((r) => ({
    id: r.id,
    dueDate: r.due_date?.getTime() ?? null,
    leadMinutes: r.reminder_lead_minutes,
    completed: r.completed,
    template: r.is_recurring_template,
  }));
  const reminders = (
    await q<{ id: string; task_id: string; source: string; status: string; remind_at: Date }>(
      'select id::text, task_id::text, source, status::text, remind_at from reminders',
    )
  ).map((r) => ({ id: r.id, taskId: r.task_id, source: r.source, status: r.status, remindAt: r.remind_at.getTime() }));
  return {
    instancesByTemplate,
    tasks,
    reminders,
    processedByGroup,
    topicsByGroup,
    auditRows,
    taskChangedPerSource,
    tasksWithSeveralScheduledReminders: await one(
      "select count(*) as n from (select task_id from reminders where status = 'Scheduled' and source = 'due_date' group by task_id having count(*) > 1) s",
    ),
    // Instances are due at their occurrence, so (template, due date) names one occurrence.
    extraRecurringInstances: await one(
      'select coalesce(sum(n - 1), 0) as n from (select count(*) as n from tasks where template_id is not null group by template_id, due_date) s',
    ),
    recurringInstances: await one('select count(*) as n from tasks where template_id is not null'),
    triggeredReminders: new Set(
      (await q<{ id: string }>("select id from reminders where status = 'Triggered'")).map((r) => r.id),
    ),
    taskVersionMismatches: await one(`
      select count(*) as n from tasks t
      left join (select message_key, max(aggregate_version) as v from chaos_event_log where topic = 'todo.tasks.events' group by message_key) l
        on l.message_key = t.id::text
      where l.v is distinct from t.version`),
    relayDeadLetterRows:
      (await one('select count(*) as n from outbox_dead_letters')) +
      (await one('select count(*) as n from outbox_held_keys')),
  };
}
