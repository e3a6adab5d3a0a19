/**
 * One chat turn, in two steps. `interpret` asks the interpreter (rules, or a model that may take
 * seconds) for tool calls outside any transaction, so no pooled connection waits on the model.
 * `apply` then persists the user's message, runs the tool calls through the same task service as
 * REST and persists the answer, in one transaction (the caller's). Each tool call runs under its
 * own savepoint: one that fails with an answer for the user (no such task, bad field) is rolled
 * back to that savepoint, so nothing it wrote commits without its events.
 */
import type { Task } from '@prisma/client';
import type { Prisma } from '@prisma/client';
import type { Db, Tx } from '../../lib/db/prisma.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { prismaSqlTx } from '../../lib/db/sql-tx.js';
import type { ReminderService } from '../reminders/reminder-service.js';
import { createTaskSchema, isUuid, listTasksSchema, parseInput, updateTaskSchema } from '../tasks/task-input.js';
import { taskJson } from '../tasks/task-json.js';
import { likeLiteral, type ActorContext, type TaskService } from '../tasks/task-service.js';
import type { Interpretation, Interpreter, ToolCall } from './tool-calls.js';

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
}

export interface ChatAnswer {
  conversation_id: string;
  response: string;
  tool_calls: ToolCallResult[];
}

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
    const interpretation = await this.deps.interpreter.interpret(req.message, { now });
    return { request: req, interpretation };
  }

  /** Persists the turn and runs its tool calls, in the caller's transaction. */
  async apply(tx: Tx, actor: ActorContext, turn: ChatTurn): Promise<ChatAnswer> {
    const { request: req, interpretation } = turn;
    const conversation = req.conversationId
      ? await tx.conversation.findFirst({ where: { id: req.conversationId, userId: actor.userId } })
      : await tx.conversation.create({ data: { userId: actor.userId } });
    if (!conversation) throw new NotFoundError('conversation');
    await tx.message.create({ data: { conversationId: conversation.id, role: 'user', content: req.message } });

    const results: ToolCallResult[] = [];
    const lines: string[] = [];
    if (interpretation.kind === 'unknown') {
      lines.push(interpretation.response);
    } else {
      for (const call of interpretation.calls) {
        await tx.$executeRaw`savepoint tool_call`;
        try {
          const { result, say } = await this.run(tx, actor, call);
          await tx.$executeRaw`release savepoint tool_call`;
          results.push({ tool: call.tool, args: call.args, result });
          lines.push(say);
        } catch (err) {
          // Anything else fails the whole turn, and its transaction rolls back entirely.
          if (!(err instanceof ToolRefusal) && !(err instanceof AppError && !err.retriable && err.status < 500))
            throw err;
          await tx.$executeRaw`rollback to savepoint tool_call`;
          results.push({ tool: call.tool, args: call.args, result: { error: err.message } });
          lines.push(err.message);
        }
      }
    }
    const response = lines.join('\n');
    await tx.message.create({
      data: {
        conversationId: conversation.id,
        role: 'assistant',
        content: response,
        toolCalls: results as unknown as Prisma.InputJsonValue,
      },
    });
    await tx.conversation.update({ where: { id: conversation.id }, data: { updatedAt: new Date() } });
    return { conversation_id: conversation.id, response, tool_calls: results };
  }

  private async run(tx: Tx, actor: ActorContext, call: ToolCall): Promise<{ result: unknown; say: string }> {
    const { tasks } = this.deps;
    switch (call.tool) {
      case 'add_task': {
        const t = await tasks.create(prismaSqlTx(tx), actor, parseInput(createTaskSchema, call.args));
        const when = t.dueDate ? ` due ${t.dueDate.toISOString()}` : '';
        const repeat = t.recurrencePattern ? ` repeating ${t.recurrencePattern}` : '';
        return { result: taskJson(t), say: `Added "${t.title}"${when}${repeat}.` };
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
                  (t) =>
                    `- ${t.completed ? '[done] ' : ''}${t.title}${t.dueDate ? ` (due ${t.dueDate.toISOString()})` : ''}`,
                )
                .join('\n');
        return { result: { items: page.items.map(taskJson) }, say };
      }
      case 'complete_task': {
        const t = await tasks.complete(
          prismaSqlTx(tx),
          actor,
          (await this.findTask(tx, actor.userId, call.args.task)).id,
        );
        return { result: taskJson(t), say: `Marked "${t.title}" as done.` };
      }
      case 'delete_task': {
        const t = await tasks.delete(
          prismaSqlTx(tx),
          actor,
          (await this.findTask(tx, actor.userId, call.args.task)).id,
        );
        return { result: { id: t.id, deleted: true }, say: `Deleted "${t.title}".` };
      }
      case 'update_task': {
        const target = await this.findTask(tx, actor.userId, call.args.task);
        const t = await tasks.update(
          prismaSqlTx(tx),
          actor,
          target.id,
          parseInput(updateTaskSchema, call.args.changes),
        );
        return { result: taskJson(t), say: `Updated "${t.title}".` };
      }
      case 'set_reminder': {
        const target = await this.findTask(tx, actor.userId, call.args.task);
        const r = await this.deps.reminders.schedule(tx, actor, target, new Date(call.args.remindAt));
        return {
          result: { id: r.id, taskId: r.taskId, remindAt: r.remindAt.toISOString(), status: r.status },
          say: `I'll remind you about "${target.title}" at ${r.remindAt.toISOString()}.`,
        };
      }
      default: {
        const never: never = call;
        throw new ToolRefusal(`unknown tool ${(never as { tool: string }).tool}`);
      }
    }
  }

  /** Resolves the user's words to one of their tasks: exact title, then title containing all words. */
  private async findTask(tx: Tx, userId: string, words: string): Promise<Task> {
    const text = words.trim();
    if (isUuid(text)) {
      const t = await tx.task.findFirst({ where: { id: text, userId } });
      if (t) return t;
    }
    // Insensitive equals and contains become ILIKE patterns: the user's % and _ must match literally.
    const exact = await tx.task.findMany({
      where: { userId, title: { equals: likeLiteral(text), mode: 'insensitive' } },
      orderBy: [{ completed: 'asc' }, { createdAt: 'desc' }],
      take: 1,
    });
    if (exact[0]) return exact[0];
    const terms = text.split(/\s+/).filter(Boolean).slice(0, 8);
    const matches = await tx.task.findMany({
      where: { userId, AND: terms.map((w) => ({ title: { contains: likeLiteral(w), mode: 'insensitive' as const } })) },
      orderBy: [{ completed: 'asc' }, { createdAt: 'desc' }],
      take: 5,
    });
    if (matches.length === 0) throw new ToolRefusal(`I couldn't find a task matching "${text}".`);
    const pending = matches.filter((m) => !m.completed);
    if (pending.length > 1) {
      throw new ToolRefusal(
        `Several tasks match "${text}": ${pending.map((m) => `"${m.title}"`).join(', ')}. Which one?`,
      );
    }
    return pending[0] ?? matches[0]!;
  }
}
