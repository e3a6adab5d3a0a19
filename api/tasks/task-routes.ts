/** REST routes for tasks under /api/:userId/tasks. */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import type { Db } from '../../lib/db/prisma.js';
import { NotFoundError } from '../../lib/errors.js';
import { runSqlCommand } from '../http/run-command.js';
import { createTaskSchema, isUuid, listTasksSchema, parseInput, updateTaskSchema } from './task-input.js';
import { taskJson } from './task-json.js';
import type { TaskService } from './task-service.js';

type Handler = (req: Request, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => h(req, res).catch(next);

function taskId(req: Request): string {
  const raw = req.params.taskId;
  const id = typeof raw === 'string' ? raw : '';
  // A malformed id cannot name an existing task: answer as for any unknown task.
  if (!isUuid(id)) throw new NotFoundError('task');
  return id;
}

/** Reads go through Prisma (`db`); writes run their raw statements on `pool`, the pool Prisma uses too. */
export function taskRoutes(db: Db, pool: pg.Pool, tasks: TaskService): Router {
  const r = Router({ mergeParams: true });

  r.post(
    '/tasks',
    wrap(async (req, res) => {
      const input = parseInput(createTaskSchema, req.body);
      // A create is one statement (task and outbox row in one CTE: TaskService.create).
      await runSqlCommand(
        pool,
        req,
        res,
        async (sql, actor) => ({ status: 201, body: taskJson(await tasks.create(sql, actor, input)) }),
        { singleStatement: true },
      );
    }),
  );

  r.get(
    '/tasks',
    wrap(async (req, res) => {
      const q = parseInput(listTasksSchema, { ...req.query }, 'query');
      const page = await tasks.list(db, res.locals.userId as string, q);
      res.json({ items: page.items.map(taskJson), nextCursor: page.nextCursor });
    }),
  );

  r.get(
    '/tasks/:taskId',
    wrap(async (req, res) => {
      res.json(taskJson(await tasks.get(db, res.locals.userId as string, taskId(req))));
    }),
  );

  r.patch(
    '/tasks/:taskId',
    wrap(async (req, res) => {
      const id = taskId(req);
      const patch = parseInput(updateTaskSchema, req.body);
      await runSqlCommand(pool, req, res, async (sql, actor) => ({
        status: 200,
        body: taskJson(await tasks.update(sql, actor, id, patch)),
      }));
    }),
  );

  r.delete(
    '/tasks/:taskId',
    wrap(async (req, res) => {
      const id = taskId(req);
      await runSqlCommand(pool, req, res, async (sql, actor) => {
        await tasks.delete(sql, actor, id);
        return { status: 200, body: { id, deleted: true } };
      });
    }),
  );

  r.post(
    '/tasks/:taskId/complete',
    wrap(async (req, res) => {
      const id = taskId(req);
      await runSqlCommand(pool, req, res, async (sql, actor) => ({
        status: 200,
        body: taskJson(await tasks.complete(sql, actor, id)),
      }));
    }),
  );

  return r;
}
