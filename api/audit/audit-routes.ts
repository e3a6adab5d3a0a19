/**
 * GET /api/:userId/audit: the user's audit trail (rows written by audit-log-cg), newest first.
 * Query: `limit` (1–100, default 20), `cursor` (the `nextCursor` of the previous page, opaque),
 * `taskId` (only the events concerning that task). Answer: `{ items, nextCursor }`, nextCursor
 * null on the last page.
 */
import type { AuditEntry, Prisma } from '@prisma/client';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db/prisma.js';
import { pageCursor, pageLimit } from '../http/pagination.js';
import { isUuid, parseInput } from '../tasks/task-input.js';

/** The cursor is the last row's id, base64url-encoded so clients treat it as opaque. */
const encodeCursor = (id: bigint): string => Buffer.from(`a:${id}`).toString('base64url');
function decodeCursor(cursor: string): bigint | undefined {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cursor)) return undefined;
  const m = /^a:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? BigInt(m[1]!) : undefined;
}

export const auditQuerySchema = z
  .object({
    limit: pageLimit,
    cursor: pageCursor(decodeCursor),
    taskId: z.string().refine(isUuid, 'must be a task id (UUID)').optional(),
  })
  .strict();

export interface AuditEntryJson {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
  eventType: string;
  key: string;
  taskId: string | null;
  payload: unknown;
  headers: unknown;
  receivedAt: string;
}

export function auditEntryJson(a: AuditEntry): AuditEntryJson {
  return {
    eventId: a.eventId,
    topic: a.topic,
    partition: a.partition,
    offset: a.offset.toString(),
    eventType: a.eventType,
    key: a.key,
    taskId: a.taskId,
    payload: a.payload,
    headers: a.headers,
    receivedAt: a.receivedAt.toISOString(),
  };
}

export function auditRoutes(db: Db): Router {
  const r = Router({ mergeParams: true });

  r.get('/audit', (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const q = parseInput(auditQuerySchema, { ...req.query }, 'query');
      const where: Prisma.AuditEntryWhereInput = { userId: res.locals.userId as string };
      if (q.taskId) where.taskId = q.taskId.toLowerCase();
      if (q.cursor) where.id = { lt: decodeCursor(q.cursor)! };
      const rows = await db.auditEntry.findMany({ where, orderBy: { id: 'desc' }, take: q.limit + 1 });
      const more = rows.length > q.limit;
      const items = more ? rows.slice(0, q.limit) : rows;
      res.json({
        items: items.map(auditEntryJson),
        nextCursor: more ? encodeCursor(items[items.length - 1]!.id) : null,
      });
    })().catch(next);
  });

  return r;
}
