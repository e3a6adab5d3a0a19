/** GET /api/:userId/audit (filled in by the consumers issue). */
import { Router } from 'express';
import type { Db } from '../../lib/db/prisma.js';

export function auditRoutes(_db: Db): Router {
  return Router({ mergeParams: true });
}
