/**
 * One chat turn, in two steps. `interpret` asks the interpreter (rules, or a model that may take
 * seconds) for tool calls outside any transaction, so no pooled connection waits on the model.
 * `apply` then persists the user's message, runs the tool calls through the same task service as
 * REST and persists the answer, in one transaction (the caller's). Each tool call runs under its
 * own savepoint: one that fails with an answer for the user (no such task, bad field) is rolled
 * back to that savepoint, so nothing it wrote commits without its events.
 */
import { Prisma, type Task } from '@prisma/client';
import type { Db, Tx } from '../../lib/db/prisma.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { prismaSqlTx, type SqlTx } from '../../lib/db/sql-tx.js';
import type { ReminderService } from '../reminders/reminder-service.js';
import { createTaskSchema, isUuid, listTasksSchema, parseInput, updateTaskSchema } from '../tasks/task-input.js';
import { taskJson } from '../tasks/task-json.js';
import type { ActorContext, TaskService } from '../tasks/task-service.js';
import { DateTime } from 'luxon';
import { userTimeZone } from '../settings/settings-routes.js';
import { describeRecurrence, formatLocal } from './local-time.js';
import { appendMessage, createConversation, touchConversation } from './conversation-sql.js';
import { isPronoun, matchTasks } from './task-matcher.js';
import type { Interpretation, Interpreter, TaskFields, ToolCall } from './tool-calls.js';

export interface ChatRequest {
  message: string;
  conversationId?: string;
}

export interface ToolCallResult {
  tool: ToolCall['tool'];
  args: unknown;
  result: unknown;
}

/** A message and what the interpreter made of it, ready to be applied in a transaction. */
export interface ChatTurn {
  request: ChatRequest;
  interpretation: Interpretation;
  /** The user's IANA zone: the interpreter read the message in it, and the answer speaks it. */
  timeZone: string;
  now: Date;
}

/** What the tool calls of one turn share: the user's clock and the task the conversation is about. */
interface TurnContext {
  timeZone: string;
  now: Date;
  /** The task last touched in this conversation ("it", "that"), if any. */
  touched?: Task;
}

export interface ChatAnswer {
  conversation_id: string;
  response: string;
  tool_calls: ToolCallResult[];
}

/** Each tool call runs under this savepoint (see the module comment). */
const SAVEPOINT = Prisma.sql`savepoint tool_call`;
const RELEASE_SAVEPOINT = Prisma.sql`release savepoint tool_call`;
const ROLLBACK_TO_SAVEPOINT = Prisma.sql`rollback to savepoint tool_call`;

/** A tool call that could not be carried out for a reason the user should hear (no such task…). */
class ToolRefusal extends Error {}

export class ChatService {
  constructor(
    private readonly deps: {
      tasks: TaskService;
      reminders: ReminderService;
      interpreter: Interpreter;
      clock?: () => Date;
    },
  ) {}

  /**
   * The interpreter's reading of the message. Runs on no transaction and holds no connection
   * while the interpreter works; an unknown conversation is refused before the model is asked.
   */
  async interpret(db: Db, actor: ActorContext, req: ChatRequest): Promise<ChatTurn> {
    if (req.conversationId) {
      const known = await db.conversation.findFirst({
        where: { id: req.conversationId, userId: actor.userId },
        select: { id: true },
      });
      if (!known) throw new NotFoundError('conversation');
    }
    const now = this.deps.clock?.() ?? new Date();
    const timeZone = await userTimeZone(db, actor.userId);
    const interpretation = await this.deps.interpreter.interpret(req.message, { now, timeZone });
    return { request: req, interpretation, timeZone, now };
  }

  /** Persists the turn and runs its tool calls, in the caller's transaction. */
  async apply(tx: Tx, actor: ActorContext, turn: ChatTurn): Promise<ChatAnswer> {
    const { request: req, interpretation } = turn;
    // Writes run as raw statements in the same transaction; reads use Prisma's model API.
    const sql = prismaSqlTx(tx);
    const conversation = req.conversationId
      ? await tx.conversation.findFirst({ where: { id: req.conversationId, userId: actor.userId } })
      : await createConversation(sql, actor.userId);
    if (!conversation) throw new NotFoundError('conversation');
    const ctx: TurnContext = {
      timeZone: turn.timeZone,
      now: turn.now,
      touched: await lastTouchedTask(tx, actor.userId, conversation.id),
    };
    await appendMessage(sql, { conversationId: conversation.id, role: 'user', content: req.message });

    const results: ToolCallResult[] = [];
    const lines: string[] = [];
    if (interpretation.kind === 'unknown') {
      lines.push(interpretation.response);
    } else {
      for (const call of interpretation.calls) {
        await sql.execute(SAVEPOINT);
        try {
          const { result, say } = await this.run(tx, sql, actor, call, ctx);
          await sql.execute(RELEASE_SAVEPOINT);
          results.push({ tool: call.tool, args: call.args, result });
          lines.push(say);
        } catch (err) {
          // Anything else fails the whole turn, and its transaction rolls back entirely.
          if (!(err instanceof ToolRefusal) && !(err instanceof AppError && !err.retriable && err.status < 500))
            throw err;
          await sql.execute(ROLLBACK_TO_SAVEPOINT);
          results.push({ tool: call.tool, args: call.args, result: { error: err.message } });
          lines.push(err.message);
        }
      }
    }
    const response = lines.join('\n');
    await appendMessage(sql, {
      conversationId: conversation.id,
      role: 'assistant',
      content: response,
      toolCalls: results,
    });
    await touchConversation(sql, conversation.id);
    return { conversation_id: conversation.id, response, tool_calls: results };
  }

  private async run(
    tx: Tx,
    sql: SqlTx,
    actor: ActorContext,
    call: ToolCall,
    ctx: TurnContext,
  ): Promise<{ result: unknown; say: string }> {
    const { tasks } = this.deps;
    const local = (d: Date): string => formatLocal(d, ctx.timeZone, ctx.now);
    const touch = (t: Task): Task => (ctx.touched = t);
    switch (call.tool) {
      case 'add_task': {
        const t = touch(await tasks.create(sql, actor, parseInput(createTaskSchema, withDueDay(call.args, null, ctx))));
        const when = t.dueDate ? ` due ${local(t.dueDate)}` : '';
        const repeat = t.recurrencePattern ? `, repeating ${describeRecurrence(t.recurrencePattern)}` : '';
        const remind =
          t.dueDate && t.reminderLeadMinutes !== null && !t.isRecurringTemplate
            ? ` I'll remind you ${t.reminderLeadMinutes === 0 ? 'then' : `${leadText(t.reminderLeadMinutes)} before`}.`
            : '';
        return { result: taskJson(t), say: `Added "${t.title}"${when}${repeat}.${remind}` };
      }
      case 'list_tasks': {
        const { search, ...rest } = call.args;
        const q = parseInput(listTasksSchema, {
          ...rest,
          ...(search && { q: search }),
          sort: 'dueDate',
          order: 'asc',
          limit: 50,
        });
        const page = await tasks.list(tx, actor.userId, q);
        const say =
          page.items.length === 0
            ? 'You have no tasks matching that.'
            : `You have ${page.items.length} task${page.items.length === 1 ? '' : 's'}:\n` +
              page.items
                .map(
                  (t) => `- ${t.completed ? '[done] ' : ''}${t.title}${t.dueDate ? ` (due ${local(t.dueDate)})` : ''}`,
                )
                .join('\n');
        return { result: { items: page.items.map(taskJson) }, say };
      }
      case 'complete_task': {
        const t = touch(
          await tasks.complete(sql, actor, (await this.findTask(tx, actor.userId, call.args.task, ctx)).id),
        );
        return { result: taskJson(t), say: `Marked "${t.title}" as done.` };
      }
      case 'delete_task': {
        const t = await tasks.delete(sql, actor, (await this.findTask(tx, actor.userId, call.args.task, ctx)).id);
        return { result: { id: t.id, deleted: true }, say: `Deleted "${t.title}".` };
      }
      case 'update_task': {
        const target = await this.findTask(tx, actor.userId, call.args.task, ctx);
        const changes = withDueDay(call.args.changes, target.dueDate, ctx);
        const t = touch(await tasks.update(sql, actor, target.id, parseInput(updateTaskSchema, changes)));
        const said: string[] = [];
        if ('dueDate' in changes) said.push(t.dueDate ? `now due ${local(t.dueDate)}` : 'no longer has a due date');
        if (changes.reminderLeadMinutes != null && t.dueDate)
          said.push(
            `I'll remind you ${changes.reminderLeadMinutes === 0 ? 'at' : `${leadText(changes.reminderLeadMinutes)} before,`} ${local(new Date(t.dueDate.getTime() - changes.reminderLeadMinutes * 60_000))}`,
          );
        else if (changes.reminderLeadMinutes != null)
          said.push(
            `I'll remind you ${leadText(changes.reminderLeadMinutes)} before it is due, once it has a due date`,
          );
        return { result: taskJson(t), say: `Updated "${t.title}"${said.length ? `: ${said.join('; ')}` : ''}.` };
      }
      case 'set_reminder': {
        const target = touch(await this.findTask(tx, actor.userId, call.args.task, ctx));
        const r = await this.deps.reminders.schedule(sql, actor, target, new Date(call.args.remindAt));
        return {
          result: { id: r.id, taskId: r.taskId, remindAt: r.remindAt.toISOString(), status: r.status },
          say: `I'll remind you about "${target.title}" on ${local(r.remindAt)}.`,
        };
      }
      default: {
        const never: never = call;
        throw new ToolRefusal(`unknown tool ${(never as { tool: string }).tool}`);
      }
    }
  }

  /**
   * Resolves the user's words to one of their tasks: "it"/"that" is the task last touched in the
   * conversation; otherwise titles are matched tolerantly (task-matcher.ts), open tasks first, and
   * two equally good matches are listed back to the user instead of guessed.
   */
  private async findTask(tx: Tx, userId: string, words: string, ctx: TurnContext): Promise<Task> {
    const text = words.trim();
    if (isPronoun(text)) {
      if (ctx.touched) return ctx.touched;
      throw new ToolRefusal('Which task do you mean? Name it, e.g. "mark buy milk done".');
    }
    if (isUuid(text)) {
      const t = await tx.task.findFirst({ where: { id: text, userId } });
      if (t) return t;
    }
    const candidates = await tx.task.findMany({
      where: { userId },
      orderBy: [{ completed: 'asc' }, { updatedAt: 'desc' }],
      take: MATCH_CANDIDATES,
    });
    const found = matchTasks(text, candidates);
    if (found.kind === 'one') return found.task;
    if (found.kind === 'none') throw new ToolRefusal(`I couldn't find a task matching "${text}".`);
    const listed = found.tasks
      .slice(0, 5)
      .map((t) => `- "${t.title}"${t.dueDate ? ` (due ${formatLocal(t.dueDate, ctx.timeZone, ctx.now)})` : ''}`);
    throw new ToolRefusal(`Several tasks match "${text}". Which one?\n${listed.join('\n')}`);
  }
}

/** The most tasks a reference is matched against: the open ones first, then the latest done ones. */
const MATCH_CANDIDATES = 500;

function leadText(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * Task fields with a `dueDay` (a new local day, no time), a `dueTime` (a new local time, same day)
 * or a `dueShift` (the due date moved by an amount) turned into a `dueDate` in the user's zone: the
 * other half comes from the task's current due date, else 9:00 for a day, else the next such time
 * for a time. An invalid value is passed on as `dueDate` so validation names the field.
 */
function withDueDay<T extends TaskFields>(
  fields: T,
  currentDue: Date | null,
  ctx: TurnContext,
): Omit<T, 'dueDay' | 'dueTime' | 'dueShift'> {
  const { dueDay, dueTime, dueShift, ...rest } = fields;
  if ((dueDay === undefined && dueTime === undefined && dueShift === undefined) || rest.dueDate !== undefined)
    return rest;
  const now = DateTime.fromJSDate(ctx.now, { zone: ctx.timeZone });
  const current = currentDue ? DateTime.fromJSDate(currentDue, { zone: ctx.timeZone }) : undefined;
  if (dueShift !== undefined) {
    if (!current)
      throw new ToolRefusal('That task has no due date to move; tell me the new day, e.g. "move it to friday".');
    const moved = current.plus({ [dueShift.unit]: dueShift.amount });
    // An instant luxon cannot represent is passed on as text, so validation names `dueDate`.
    return { ...rest, dueDate: moved.isValid ? moved.toUTC().toISO()! : String(dueShift.amount) };
  }
  const day = dueDay !== undefined ? DateTime.fromISO(dueDay, { zone: ctx.timeZone }) : (current ?? now);
  const time = dueTime !== undefined ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(dueTime) : undefined;
  if (!day.isValid || time === null) return { ...rest, dueDate: dueDay ?? dueTime ?? null };
  let at = day.set({
    hour: time ? Number(time[1]) : (current?.hour ?? 9),
    minute: time ? Number(time[2]) : (current?.minute ?? 0),
    second: 0,
    millisecond: 0,
  });
  // A new time for a task with no day yet means its next occurrence.
  if (!current && dueDay === undefined && at <= now) at = at.plus({ days: 1 });
  return { ...rest, dueDate: at.toUTC().toISO()! };
}

/**
 * The task the conversation last touched: the newest task any earlier tool call of it added,
 * changed, completed or set a reminder on (read from the stored tool calls).
 */
async function lastTouchedTask(tx: Tx, userId: string, conversationId: string): Promise<Task | undefined> {
  const messages = await tx.message.findMany({
    where: { conversationId, role: 'assistant' },
    orderBy: { createdAt: 'desc' },
    take: 10,
    select: { toolCalls: true },
  });
  for (const m of messages) {
    const calls = Array.isArray(m.toolCalls) ? (m.toolCalls as { result?: Record<string, unknown> }[]) : [];
    for (const c of [...calls].reverse()) {
      const r = c?.result;
      const id = typeof r?.taskId === 'string' ? r.taskId : typeof r?.id === 'string' && !r.deleted ? r.id : undefined;
      if (!id || !isUuid(id)) continue;
      const t = await tx.task.findFirst({ where: { id, userId } });
      if (t) return t;
    }
  }
  return undefined;
}
