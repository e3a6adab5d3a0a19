/**
 * The contract between a chat interpreter (rules or LLM) and the task service: an interpreter turns
 * one chat message into tool calls, and the service executes them. Keeping this a plain data shape
 * lets both interpreters be tested without a database and lets the service stay ignorant of language.
 */

/** Task priority as stored by the task service. */
export type Priority = 'Low' | 'Medium' | 'High';

/** Longest title or task reference the task service accepts; the rule interpreter clips to it. */
export const MAX_TITLE_LENGTH = 500;

/** Longest tag the task service accepts. */
export const MAX_TAG_LENGTH = 50;
/** Most tags the task service accepts on one task. */
export const MAX_TAGS = 20;
/** Longest list_tasks search text the task service accepts. */
export const MAX_SEARCH_LENGTH = 200;

/** The three priorities, for validation and schemas. */
export const PRIORITIES: readonly Priority[] = ['Low', 'Medium', 'High'];

/**
 * Fields of a task that a chat message can set. An absent key means "leave as is"; `null` means
 * "clear it". `tags` is the complete new tag list, not a delta.
 */
export interface TaskFields {
  title?: string;
  description?: string | null;
  /** ISO-8601 UTC, e.g. `2026-11-26T17:00:00.000Z`. */
  dueDate?: string | null;
  /**
   * A new calendar day (`YYYY-MM-DD`, in the user's time zone) without a time: the task keeps its
   * time of day (9:00 when it has none). Never together with `dueDate`.
   */
  dueDay?: string;
  /**
   * A new time of day (`HH:mm`, in the user's zone) without a day: the task keeps its day (the
   * next such time when it has no due date). Never together with `dueDate`.
   */
  dueTime?: string;
  /**
   * Move the current due date by an amount ("push it back a day": `{ amount: 1, unit: 'days' }`;
   * negative is earlier). Days and weeks are calendar days in the user's zone. Never together with
   * `dueDate`; refused when the task has no due date.
   */
  dueShift?: { amount: number; unit: 'minutes' | 'hours' | 'days' | 'weeks' };
  /** Minutes before the due date at which its reminder fires (0: at the due time). */
  reminderLeadMinutes?: number | null;
  priority?: Priority;
  tags?: string[];
  isRecurringTemplate?: boolean;
  /** `daily` | `weekdays` | `weekly:mon,wed` | `monthly:15` | `every:3:days` | `every:2:weeks` | `cron:<5 fields>` (lib/recurrence.ts). */
  recurrencePattern?: string | null;
}

/**
 * One action the task service should perform. `task` is the user's words for an existing task;
 * the service resolves it against titles, because only the service knows which tasks exist
 * ("it" / "that": the task last touched in the conversation).
 */
export type ToolCall =
  | { tool: 'add_task'; args: TaskFields & { title: string } }
  | {
      tool: 'list_tasks';
      args: {
        status?: 'pending' | 'completed' | 'all';
        /** Inclusive lower bound on dueDate, ISO-8601 UTC. */
        dueFrom?: string;
        /** Inclusive upper bound on dueDate, ISO-8601 UTC. */
        dueTo?: string;
        priority?: Priority;
        tag?: string;
        /** Free text to match against title and description. */
        search?: string;
      };
    }
  | { tool: 'complete_task'; args: { task: string } }
  | { tool: 'delete_task'; args: { task: string } }
  | { tool: 'update_task'; args: { task: string; changes: TaskFields } }
  | { tool: 'set_reminder'; args: { task: string; remindAt: string } };

/** The names of the tools, in the order they are offered to an LLM. */
export type ToolName = ToolCall['tool'];

/** What an interpreter made of a message: actions to run, or a reply explaining what it can do. */
export type Interpretation = { kind: 'tools'; calls: ToolCall[] } | { kind: 'unknown'; response: string };

/** Per-message context. Interpreters take the clock from here so results are reproducible. */
export interface ChatContext {
  /** The current instant. */
  now: Date;
  /** The user's IANA time zone: every phrase is read on its wall clock. Default UTC. */
  timeZone?: string;
}

/** Turns one chat message into tool calls. Implementations must not throw for odd input. */
export interface Interpreter {
  interpret(message: string, ctx: ChatContext): Promise<Interpretation>;
}
