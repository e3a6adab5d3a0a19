/**
 * GET /api/:userId/notifications: the user's in-app notifications (written by reminder-trigger-cg
 * when no NOTIFY_URL is configured), newest first. Query: `limit` (1–100, default 20), `cursor`
 * (the `nextCursor` of the previous page, opaque). Answer: `{ items, nextCursor }`, nextCursor
 * null on the last page.
 */
import type { Notification, Prisma } from '@prisma/client';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db/prisma.js';
import { pageCursor, pageLimit } from '../http/pagination.js';
import { isUuid, parseInput } from '../tasks/task-input.js';

interface Cursor {
  createdAt: Date;
  id: string;
}

/** The last row's (created_at, id), base64url-encoded so clients treat it as opaque. */
const encodeCursor = (n: Notification): string =>
  Buffer.from(`n:${n.createdAt.getTime()}:${n.id}`).toString('base64url');
function decodeCursor(cursor: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(cursor)) return undefined;
  const m = /^n:(\d{1,15}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || !isUuid(m[2]!)) return undefined;
  return { createdAt: new Date(Number(m[1])), id: m[2]! };
}

/** Query of GET /notifications: `limit` 1–100 (default 20) and an opaque `cursor`. */
export const notificationQuerySchema = z
  .object({
    limit: pageLimit,
    cursor: pageCursor(decodeCursor),
  })
  .strict();

/** A notification as it travels in JSON. */
export interface NotificationJson {
  id: string;
  reminderId: string;
  taskId: string;
  title: string;
  remindAt: string;
  createdAt: string;
}

/** Row → JSON (dates as ISO strings). */
export function notificationJson(n: Notification): NotificationJson {
  return {
    id: n.id,
    reminderId: n.reminderId,
    taskId: n.taskId,
    title: n.title,
    remindAt: n.remindAt.toISOString(),
    createdAt: n.createdAt.toISOString(),
  };
}

/** The router mounted under /api/:userId (behind auth): the user is `res.locals.userId`. */
export function notificationRoutes(db: Db): Router {
  const r = Router({ mergeParams: true });

  r.get('/notifications', (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const q = parseInput(notificationQuerySchema, { ...req.query }, 'query');
      const where: Prisma.NotificationWhereInput = { userId: res.locals.userId as string };
      const c = q.cursor ? decodeCursor(q.cursor) : undefined;
      // Keyset on (created_at, id) descending: rows after the cursor's row in that order.
      if (c) where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
      const rows = await db.notification.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const items = more ? rows.slice(0, q.limit) : rows;
      res.json({
        items: items.map(notificationJson),
        nextCursor: more ? encodeCursor(items[items.length - 1]!) : null,
      });
    })().catch(next);
  });

  return r;
}
