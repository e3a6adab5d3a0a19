/**
 * A chat turn's transaction structure, with the LLM interpreter talking to a stub model server:
 * the model is asked while no transaction is open (issue 16, item 9), and each tool call is
 * atomic with its events, so a call that fails after it wrote leaves nothing behind (item 8).
 */
import pg from 'pg';
import type { Task } from '@prisma/client';
import { LlmInterpreter } from '../../api/chat/llm-interpreter.js';
import type { ActorContext } from '../../api/tasks/task-service.js';
import { TaskService } from '../../api/tasks/task-service.js';
import type { UpdateTaskInput } from '../../api/tasks/task-input.js';
import { updateTask } from '../../lib/tasks/task-sql.js';
import type { SqlTx } from '../../lib/db/sql-tx.js';
import { ValidationError } from '../../lib/errors.js';
import { startStubModelServer, type StubModelServer } from '../helpers/stub-model-server.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';
import { newUser, outboxRows } from './api-checks.js';

/** The title that makes this task service fail the way item 8's bug did: after its UPDATE, before its event. */
const FAIL_AFTER_WRITE = 'fail after writing';

class TaskServiceFailingAfterWrite extends TaskService {
  override async update(sql: SqlTx, ctx: ActorContext, id: string, patch: UpdateTaskInput): Promise<Task> {
    if (patch.title !== FAIL_AFTER_WRITE) return super.update(sql, ctx, id, patch);
    await sql.execute(updateTask(id, ctx.userId, { title: patch.title }, new Date()));
    throw new ValidationError([{ field: 'title', message: 'refused after the row was written (test)' }]);
  }
}

/** Sessions of the API's database, other than the prober's own, that are in a transaction or running a statement. */
interface Activity {
  inTransaction: number;
  busy: number;
}

describe('chat turn transactions (LLM interpreter on a stub model)', () => {
  let api: TestApi;
  let model: StubModelServer;
  let prober: pg.Client;

  beforeAll(async () => {
    model = await startStubModelServer({ delayMs: 200 });
    api = await startTestApi({
      interpreter: new LlmInterpreter({ baseUrl: model.baseUrl, apiKey: '', model: 'stub' }),
      tasks: (deps) => new TaskServiceFailingAfterWrite(deps),
    });
    prober = new pg.Client({ connectionString: api.database.url });
    await prober.connect();
  });
  afterAll(async () => {
    await prober.end();
    await api.stop();
    await model.close();
  });

  const activity = async (): Promise<Activity> => {
    const { rows } = await prober.query<{ in_tx: string; busy: string }>(
      `select count(*) filter (where xact_start is not null) as in_tx,
              count(*) filter (where state is not null and state <> 'idle') as busy
         from pg_stat_activity
        where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    return { inTransaction: Number(rows[0]!.in_tx), busy: Number(rows[0]!.busy) };
  };
  const chat = (user: string, message: string) => api.call(user, 'POST', '/chat', { message });
  const createTask = async (user: string, title: string) => {
    const r = await api.call(user, 'POST', '/tasks', { title });
    expect(r.status).toBe(201);
    return r.body as { id: string; version: number };
  };
  const versionOf = async (id: string) => (await api.database.db.task.findUniqueOrThrow({ where: { id } })).version;
  const eventTypes = async (key: string) => (await outboxRows(api.database.db, key)).map((r) => r.eventType);

  test('the model is asked while the turn holds no transaction and runs no statement', async () => {
    const user = newUser();
    // Earlier turns of the same conversation go through the same path; the probe looks at the second one.
    model.reply([{ name: 'add_task', args: { title: 'buy milk' } }]);
    const first = await chat(user, 'add buy milk');
    expect(first.status).toBe(200);
    model.probe = activity;
    model.reply([{ name: 'add_task', args: { title: 'call the plumber' } }]);
    const second = await api.call(user, 'POST', '/chat', {
      message: 'add call the plumber',
      conversation_id: first.body.conversation_id,
    });
    model.probe = undefined;
    expect(second.status).toBe(200);
    expect(second.body.tool_calls[0].result).toMatchObject({ title: 'call the plumber', version: 1 });
    expect(model.probes).toEqual([{ inTransaction: 0, busy: 0 }]);
    // The turn still wrote everything, after the model answered.
    const conversation = await api.database.db.message.findMany({
      where: { conversationId: first.body.conversation_id },
      orderBy: { createdAt: 'asc' },
    });
    expect(conversation.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const task = await api.database.db.task.findFirstOrThrow({ where: { userId: user, title: 'call the plumber' } });
    expect(await eventTypes(task.id)).toEqual(['TaskCreated']);
  });

  test('an unknown conversation is refused before the model is asked', async () => {
    const asked = model.requests;
    const r = await api.call(newUser(), 'POST', '/chat', {
      message: 'add x',
      conversation_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(r.status).toBe(404);
    expect(model.requests).toBe(asked);
  });

  test('an update the task service refuses (template without a pattern) leaves version and outbox unchanged', async () => {
    const user = newUser();
    const task = await createTask(user, 'water the plants');
    model.reply([{ name: 'update_task', args: { task: 'water the plants', changes: { isRecurringTemplate: true } } }]);
    const r = await chat(user, 'make watering the plants recurring');
    expect(r.status).toBe(200);
    expect(r.body.tool_calls).toHaveLength(1);
    expect(r.body.tool_calls[0].result.error).toMatch(/recurrencePattern is required for a recurring template/);
    expect(await versionOf(task.id)).toBe(1);
    expect(await eventTypes(task.id)).toEqual(['TaskCreated']);
    const row = await api.database.db.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(row).toMatchObject({ isRecurringTemplate: false, recurrencePattern: null });
  });

  test('REST refuses the same update with 400 and writes nothing', async () => {
    const user = newUser();
    const task = await createTask(user, 'renew the passport');
    const r = await api.call(user, 'PATCH', `/tasks/${task.id}`, { isRecurringTemplate: true });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ field: 'recurrencePattern', message: 'is required for a recurring template' }]);
    expect(await versionOf(task.id)).toBe(1);
    expect(await eventTypes(task.id)).toEqual(['TaskCreated']);
  });

  test('a tool call that fails after writing is rolled back to its savepoint; the turn’s other calls commit', async () => {
    const user = newUser();
    const task = await createTask(user, 'book the dentist');
    model.reply([
      { name: 'add_task', args: { title: 'pick up the parcel' } },
      { name: 'update_task', args: { task: 'book the dentist', changes: { title: FAIL_AFTER_WRITE } } },
      { name: 'complete_task', args: { task: 'book the dentist' } },
    ]);
    const r = await chat(user, 'three things at once');
    expect(r.status).toBe(200);
    expect(r.body.tool_calls.map((c: { result: { error?: string } }) => c.result.error ?? 'ok')).toEqual([
      'ok',
      expect.stringMatching(/refused after the row was written/),
      'ok',
    ]);
    // The failed call's UPDATE is gone: the completion is the task's only change, with its event.
    const row = await api.database.db.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(row).toMatchObject({ title: 'book the dentist', completed: true, version: 2 });
    expect(await eventTypes(task.id)).toEqual(['TaskCreated', 'TaskCompleted']);
    const added = await api.database.db.task.findFirstOrThrow({ where: { userId: user, title: 'pick up the parcel' } });
    expect(await eventTypes(added.id)).toEqual(['TaskCreated']);
  });
});
