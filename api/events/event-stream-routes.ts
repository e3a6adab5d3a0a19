/** GET /api/:userId/events, Server-Sent Events of the user's TaskChanged (filled in by the consumers issue). */
import { Router } from 'express';

export function eventStreamRoutes(): Router {
  return Router({ mergeParams: true });
}
