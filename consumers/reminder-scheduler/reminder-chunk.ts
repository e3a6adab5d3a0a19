/**
 * What reminder-scheduler-cg reads and writes for a whole chunk: the task rows and the tasks'
 * Scheduled reminders (locked), read in two queries before its events are handled, and the new
 * reminders, written in one statement after them (`flush`), instead of two reads and a write per
 * event: under load each round trip waits for a core, and they were most of what an event cost.
 *
 * A task's rows are read-only here, so every event of the chunk can use them. Its reminders are
 * not: the first event of a task that asks gets the preloaded list, and a later event of the same
 * task writes the pending reminders and reads (and locks) them again, so it sees what the earlier
 * one scheduled or dismissed.
 */
import { Prisma } from '@prisma/client';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import {
  lockScheduledReminders,
  lockScheduledRemindersOfTasks,
  type ScheduledReminder,
} from './lock-scheduled-reminders.js';
import { writeReminders, type PlannedReminder } from '../../lib/reminders/schedule-reminder.js';

/** The task row fields the scheduler checks. */
export interface TaskRowState {
  version: number;
  userId: string;
}

/** Each of the tasks' row, null for a task not in this database. */
async function readTaskRows(tx: SqlTx, taskIds: string[]): Promise<Map<string, TaskRowState | null>> {
  const byId = new Map<string, TaskRowState | null>(taskIds.map((id) => [id, null]));
  if (taskIds.length === 0) return byId;
  const rows = await tx.query<TaskRowState & { id: string }>(Prisma.sql`
    select id::text as "id", version, user_id as "userId" from tasks where id = any(${taskIds}::uuid[])`);
  for (const r of rows) byId.set(r.id, { version: Number(r.version), userId: r.userId });
  return byId;
}

/**
 * A chunk's reads (task rows, Scheduled reminders) and its pending reminder writes; `single` is the
 * same interface for one event, with straight statements.
 */
export class ReminderChunk {
  /** Reminders scheduled by this chunk's events and not yet written (chunk mode only). */
  private pending: PlannedReminder[] = [];

  private constructor(
    private readonly tx: SqlTx,
    private readonly rows: Map<string, TaskRowState | null>,
    private readonly reminders: Map<string, ScheduledReminder[]>,
    private readonly chunked: boolean,
  ) {}

  /** Reads the rows of `rowTaskIds` and locks the Scheduled reminders of `reminderTaskIds` (lower-case ids). */
  static async load(tx: SqlTx, rowTaskIds: string[], reminderTaskIds: string[]): Promise<ReminderChunk> {
    const rows = await readTaskRows(tx, rowTaskIds);
    return new ReminderChunk(tx, rows, await lockScheduledRemindersOfTasks(tx, reminderTaskIds), true);
  }

  /** One event's reads and writes (the runtime's record-at-a-time path): straight statements. */
  static single(tx: SqlTx): ReminderChunk {
    return new ReminderChunk(tx, new Map(), new Map(), false);
  }

  /** Writes the reminder and its ReminderScheduled: at once for a single event, at `flush` in a chunk. */
  async schedule(p: PlannedReminder): Promise<void> {
    if (this.chunked) this.pending.push(p);
    else await writeReminders(this.tx, [p]);
  }

  /** Writes the pending reminders (after the chunk's last event). */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await writeReminders(this.tx, pending);
  }

  /** The task's row, or null when it is not in this database. */
  async taskRow(taskId: string): Promise<TaskRowState | null> {
    const loaded = this.rows.get(taskId);
    if (loaded !== undefined) return loaded;
    return (await readTaskRows(this.tx, [taskId])).get(taskId) ?? null;
  }

  /** The task's Scheduled reminders (locked), oldest first; `source` narrows to one kind. */
  async scheduledReminders(taskId: string, source?: 'due_date' | 'explicit'): Promise<ScheduledReminder[]> {
    const preloaded = this.reminders.get(taskId);
    if (!preloaded) {
      await this.flush();
      return lockScheduledReminders(this.tx, taskId, source);
    }
    this.reminders.delete(taskId);
    return source ? preloaded.filter((r) => r.source === source) : preloaded;
  }
}
