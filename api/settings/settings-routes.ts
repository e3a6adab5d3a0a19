/**
 * GET|PUT /api/:userId/settings: the person's preferences, today their IANA time zone
 * (`{ "timeZone": "Europe/Berlin" }`, default "UTC"). The chat reads and answers in that zone.
 */
import { Prisma } from '@prisma/client';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import type { Db, Tx } from '../../lib/db/prisma.js';
import { inSingleStatement, type SqlTx } from '../../lib/db/sql-tx.js';
import { DEFAULT_TIME_ZONE, canonicalTimeZone } from '../../lib/time-zone.js';
import { parseInput } from '../tasks/task-input.js';

export interface SettingsJson {
  timeZone: string;
}

const settingsSchema = z
  .object({
    timeZone: z
      .string({ message: 'must be a string naming an IANA time zone, e.g. "Europe/Berlin"' })
      .transform((zone, ctx) => {
        const canonical = canonicalTimeZone(zone.trim());
        if (!canonical) {
          ctx.addIssue({ code: 'custom', message: `"${zone.slice(0, 64)}" is not a known IANA time zone` });
          return z.NEVER;
        }
        return canonical;
      }),
  })
  .strict();

/** The zone to read a person's words in: the stored setting, else UTC. */
export async function userTimeZone(db: Db | Tx, userId: string): Promise<string> {
  const row = await db.userSetting.findUnique({ where: { userId }, select: { timeZone: true } });
  return row?.timeZone ?? DEFAULT_TIME_ZONE;
}

/** Stores the person's zone (a row for them, or a new zone in theirs); returns the stored zone. */
export async function setUserTimeZone(sql: SqlTx, userId: string, timeZone: string, at = new Date()): Promise<string> {
  const [row] = await sql.query<{ time_zone: string }>(Prisma.sql`
    insert into user_settings (user_id, time_zone, updated_at) values (${userId}, ${timeZone}, ${at})
    on conflict (user_id) do update set time_zone = excluded.time_zone, updated_at = excluded.updated_at
    returning time_zone`);
  return row!.time_zone;
}

/**
 * The router mounted under /api/:userId (behind auth): the user is `res.locals.userId`. Reads go
 * through Prisma (`db`), the write runs as one raw statement on `pool`.
 */
export function settingsRoutes(db: Db, pool: pg.Pool): Router {
  const r = Router({ mergeParams: true });

  r.get('/settings', (_req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const userId = res.locals.userId as string;
      const body: SettingsJson = { timeZone: await userTimeZone(db, userId) };
      res.json(body);
    })().catch(next);
  });

  r.put('/settings', (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const userId = res.locals.userId as string;
      const { timeZone } = parseInput(settingsSchema, req.body);
      const stored = await inSingleStatement(pool, (sql) => setUserTimeZone(sql, userId, timeZone));
      const body: SettingsJson = { timeZone: stored };
      res.json(body);
    })().catch(next);
  });

  return r;
}
