/** GET /api/:userId/notifications (filled in by the consumers issue). */
import { Router } from 'express';
import type { Db } from '../../lib/db/prisma.js';

export function notificationRoutes(_db: Db): Router {
  return Router({ mergeParams: true });
}
