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
import type { TaskChangeEvent, TaskChangeHub } from './task-change-hub.js';

/** A client this far behind is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function sseFrame(e: TaskChangeEvent): string {
  // JSON.stringify escapes line breaks, so the data fits on one `data:` line.
  return `id: ${e.id}\nevent: TaskChanged\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export function eventStreamRoutes(hub?: TaskChangeHub): Router {
  const r = Router({ mergeParams: true });

  r.get('/events', (req: Request, res: Response, next: NextFunction) => {
    if (!hub) return next(new UnavailableError('live task updates'));
    // Until the feed reads, a change would pass unseen after the client's catch-up fetch: let it retry.
    if (!hub.ready) return next(new UnavailableError('live task updates'));
    const userId = res.locals.userId as string;
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write('retry: 3000\n: connected\n\n');

    let closed = false;
    const write = (chunk: string) => {
      if (closed) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) end();
    };
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), hub.heartbeatMs);
    const unsubscribe = hub.subscribe(userId, {
      onChange: (e) => write(sseFrame(e)),
      onClose: () => end(),
    });
    function cleanup() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
    }
    function end() {
      cleanup();
      res.end();
    }
    res.on('close', cleanup);
    req.on('error', cleanup);
  });

  return r;
}
