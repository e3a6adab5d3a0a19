/**
 * GET /api/:userId/notifications/events: the user's new in-app notifications as Server-Sent Events,
 * one frame per notification:
 *
 *   id: <notification id>
 *   event: Notification
 *   data: {"id":…,"reminderId":…,"taskId":…,"title":…,"remindAt":…,"createdAt":…}
 *
 * A client that reconnects with `Last-Event-ID` (the id of the last notification it saw) first gets
 * the notifications created after that one, oldest first, then the live ones; an unknown or foreign
 * id resumes from now. Without a feed (not configured), or while it is not listening, the route answers 503.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Db } from '../../lib/db/prisma.js';
import { UnavailableError } from '../../lib/errors.js';
import { openEventStream } from '../http/sse.js';
import { isUuid } from '../tasks/task-input.js';
import type { NotificationFeed } from './notification-feed.js';
import { notificationJson, type NotificationJson } from './notification-routes.js';

/** At most this many missed notifications are replayed on a resume; the page lists the rest. */
const CATCH_UP_MAX = 100;

async function missedSince(db: Db, userId: string, lastId: string): Promise<NotificationJson[]> {
  const last = await db.notification.findFirst({ where: { id: lastId, userId } });
  if (!last) return [];
  const rows = await db.notification.findMany({
    where: {
      userId,
      OR: [{ createdAt: { gt: last.createdAt } }, { createdAt: last.createdAt, id: { gt: last.id } }],
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: CATCH_UP_MAX,
  });
  return rows.map(notificationJson);
}

export function notificationStreamRoutes(db: Db, feed?: NotificationFeed): Router {
  const r = Router({ mergeParams: true });

  r.get('/notifications/events', (req: Request, res: Response, next: NextFunction) => {
    // Not listening (yet): a notification would pass unseen after the client's catch-up, so it retries.
    if (!feed?.ready) return next(new UnavailableError('live notifications'));
    const userId = res.locals.userId as string;
    const lastEventId = req.header('last-event-id')?.trim() ?? '';
    const stream = openEventStream(req, res, feed.heartbeatMs);
    const send = (n: NotificationJson) => stream.send(n.id, 'Notification', n);
    // Live ones wait while the missed ones are read, so the client sees them in order, once each.
    let held: NotificationJson[] | undefined = isUuid(lastEventId) ? [] : undefined;
    const unsubscribe = feed.subscribe(userId, {
      onNotification: (n) => (held ? held.push(n) : send(n)),
      onClose: () => stream.end(),
    });
    stream.onClose(unsubscribe);
    if (!held) return;
    missedSince(db, userId, lastEventId).then(
      (missed) => {
        const sent = new Set(missed.map((n) => n.id));
        for (const n of missed) send(n);
        for (const n of held ?? []) if (!sent.has(n.id)) send(n);
        held = undefined;
      },
      // Ending the stream makes the client reconnect (and list what it missed) rather than wait silently.
      () => stream.end(),
    );
  });

  return r;
}
