/**
 * POST /api/dev/token `{ "userId" }` → `{ "token" }`: a bearer token for any user, so the web page
 * can sign a developer in by name. Mounted only when NODE_ENV is not `production` (api/config.ts):
 * anyone who can reach it can act as anyone.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { parseInput } from '../tasks/task-input.js';
import { signToken } from './auth.js';

const devTokenSchema = z
  .object({
    userId: z
      .string({ message: 'must be a string' })
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .regex(/^[A-Za-z0-9._@-]+$/, 'must be letters, digits, or . _ @ -'),
  })
  .strict();

export function devTokenRoutes(jwtSecret: string, bodyLimitBytes: number): Router {
  const r = Router();
  r.post(
    '/token',
    express.json({ limit: bodyLimitBytes, strict: true }),
    (req: Request, res: Response, next: NextFunction) => {
      (async () => {
        const { userId } = parseInput(devTokenSchema, req.body);
        res.json({ token: await signToken(jwtSecret, userId) });
      })().catch(next);
    },
  );
  return r;
}
