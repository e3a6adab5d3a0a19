/**
 * GET /api/:userId/events: the user's TaskChanged events as Server-Sent Events, live from the
 * process's TaskChangeHub. Each change is one frame:
 *
 *   id: <TaskChanged event id>
 *   event: TaskChanged
 *   data: {"taskId":…,"changeKind":"Updated","version":2,"sequence":7,"snapshot":{…},…}
 *
 * A comment line (`: heartbeat`) every 15 s keeps proxies and the client's idle timers from
 * closing a quiet stream. The subscription ends when the client disconnects, when the client
 * reads too slowly (more than a megabyte waiting: it reconnects and refetches), or when the API
 * stops. Without a hub (live updates not configured), or while it is not reading yet, the route answers 503.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { UnavailableError } from '../../lib/errors.js';
import { openEventStream } from '../http/sse.js';
import type { TaskChangeHub } from './task-change-hub.js';

export function eventStreamRoutes(hub?: TaskChangeHub): Router {
  const r = Router({ mergeParams: true });

  r.get('/events', (req: Request, res: Response, next: NextFunction) => {
    if (!hub) return next(new UnavailableError('live task updates'));
    // Until the feed reads, a change would pass unseen after the client's catch-up fetch: let it retry.
    if (!hub.ready) return next(new UnavailableError('live task updates'));
    const stream = openEventStream(req, res, hub.heartbeatMs);
    const unsubscribe = hub.subscribe(res.locals.userId as string, {
      onChange: (e) => stream.send(e.id, 'TaskChanged', e.data),
      onClose: () => stream.end(),
    });
    stream.onClose(unsubscribe);
  });

  return r;
}
