/**
 * The API process's feed of new in-app notifications, for GET /api/:userId/notifications/events.
 * One PostgreSQL connection LISTENs on `notification_created` (a trigger on the notifications table
 * sends the row's id); a row whose user has a subscriber here is read and handed to that user's
 * subscribers only. A lost connection is reopened with backoff; what was inserted meanwhile is
 * caught up by the stream's Last-Event-ID (see notification-stream-routes.ts), not by this feed.
 */
import pg from 'pg';
import type { Db } from '../../lib/db/prisma.js';
import type { Logger } from '../../lib/logger.js';
import { openWithRetry, UserSubscribers } from '../http/user-subscribers.js';
import { notificationJson, type NotificationJson } from './notification-routes.js';

export const NOTIFICATION_CHANNEL = 'notification_created';

export interface NotificationSubscriber {
  onNotification(n: NotificationJson): void;
  /** The feed is stopping: end the stream. */
  onClose?(): void;
}

export class NotificationFeed {
  readonly heartbeatMs: number;
  private readonly subscribers = new UserSubscribers<NotificationSubscriber>();
  private client: pg.Client | undefined;
  private stopped = false;
  private listening = false;

  constructor(private readonly o: { databaseUrl: string; db: Db; logger: Logger; heartbeatMs?: number }) {
    this.heartbeatMs = o.heartbeatMs ?? 15_000;
  }

  /** True while the LISTEN connection is open. */
  get ready(): boolean {
    return this.listening;
  }

  /** Opens the LISTEN connection; retries while the database is unreachable, until stopped. */
  async start(): Promise<void> {
    await openWithRetry(
      { open: () => this.listen(), stopped: () => this.stopped },
      this.o.logger,
      'notification feed cannot LISTEN; retrying',
    );
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'todo-api-notifications' });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listening = false;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.o.logger.warn({ err: err?.message }, 'notification feed lost its connection; reconnecting');
      void this.start();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (m) => {
      if (m.channel === NOTIFICATION_CHANNEL && m.payload) void this.dispatch(m.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFICATION_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) return void (await client.end().catch(() => undefined));
    this.client = client;
    this.listening = true;
    this.o.logger.info('notification feed started');
  }

  private async dispatch(id: string): Promise<void> {
    if (this.subscribers.count() === 0) return;
    try {
      const row = await this.o.db.notification.findUnique({ where: { id } });
      if (!row) return;
      const json = notificationJson(row);
      for (const s of this.subscribers.of(row.userId)) {
        try {
          s.onNotification(json);
        } catch (err) {
          this.o.logger.warn({ err: (err as Error).message }, 'notification subscriber failed');
        }
      }
    } catch (err) {
      // The page lists notifications when it (re)connects, so one missed here is not lost for good.
      this.o.logger.warn({ err: (err as Error).message, id }, 'could not read a new notification');
    }
  }

  /** Registers a user's subscriber; the returned function removes it. */
  subscribe(userId: string, s: NotificationSubscriber): () => void {
    return this.subscribers.add(userId, s);
  }

  /** Ends every subscriber's stream and closes the LISTEN connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribers.closeAll();
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }
}
