/**
 * reminder-trigger-cg's scheduler side. Each tick first sets aside, in one statement, the due
 * triggers whose remind_at it can never fire (set-aside-trigger.ts), then takes the due triggers
 * (pending, remind_at <= now) one at a time, each in its own transaction holding the trigger's row
 * lock (`FOR UPDATE SKIP LOCKED`) and the reminder's, and fires it (fire-trigger.ts). A delivery
 * that fails after its retries rolls that trigger's transaction back; its attempts are then
 * counted in a second, small transaction and it is skipped for the rest of the tick, so a failing
 * receiver cannot hold up the others; the next tick tries it again. A trigger whose firing fails
 * for any other reason (not an outage) is set aside once — state `failed`, the reason, the
 * `consumer_ticker_set_aside_total` metric, one log line — and never claimed again, so one user's
 * unfireable reminders cannot make every tick fail or delay anyone else's.
 */
import { Prisma } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import { isRetriable } from '../../lib/errors.js';
import type { Db } from '../../lib/db/prisma.js';
import { prismaSqlTx, type SqlTx } from '../../lib/db/sql-tx.js';
import type { ConsumerMetrics } from '../../lib/consumer/consumer-metrics.js';
import type { Logger } from '../../lib/logger.js';
import { traceFrom } from '../../lib/trace.js';
import type { Ticker } from '../consumer-service.js';
import { claimDueTrigger, type ClaimedTrigger } from './claim-due-trigger.js';
import {
  DEFAULT_DELIVERY_POLICY,
  DeliveryFailedError,
  postNotification,
  type DeliveryPolicy,
} from './deliver-notification.js';
import { fireTrigger, type FireOutcome } from './fire-trigger.js';
import { setAsideTrigger, setAsideUnfireableTriggers } from './set-aside-trigger.js';

export interface ReminderTickerDeps {
  db: Db;
  codec: EventCodec;
  logger: Logger;
  clock: () => Date;
  /** Where notifications are POSTed; undefined: Notification rows (GET /api/:userId/notifications). */
  notifyUrl: string | undefined;
  delivery?: DeliveryPolicy;
  /** Bound on the work of one tick; the rest waits for the next tick. */
  maxTriggersPerTick?: number;
  /** Counts the triggers set aside (consumer_ticker_set_aside_total). */
  metrics?: ConsumerMetrics;
}

/** Counts the failed calls of a delivery whose transaction rolled back; the trigger stays pending. */
async function recordFailedDelivery(sql: SqlTx, reminderId: string, attempts: number, now: Date): Promise<void> {
  await sql.execute(Prisma.sql`
    update reminder_triggers set attempts = attempts + ${attempts}, updated_at = ${now}
    where reminder_id = ${reminderId}::uuid and state = 'pending'`);
}

/** The tick of reminder-trigger-cg (see the module comment). */
export function createReminderTicker(d: ReminderTickerDeps): Ticker {
  const max = d.maxTriggersPerTick ?? 1000;
  const policy = d.delivery ?? DEFAULT_DELIVERY_POLICY;
  const url = d.notifyUrl;
  const deliver = url ? (n: Parameters<typeof postNotification>[1]) => postNotification(url, n, policy) : undefined;
  // The transaction stays open while the receiver is called: long enough for every attempt.
  const timeout = policy.attempts * (policy.timeoutMs + policy.backoff.maxMs) + 10_000;
  // Statements outside a tick's transactions (each its own implicit transaction).
  const alone = prismaSqlTx(d.db);
  return {
    async tick() {
      const now = d.clock();
      const setAside = (
        reminderId: string,
        userId: string,
        reason: string,
        why: 'unfireable_remind_at' | 'fire_failed',
      ) => {
        d.metrics?.setAside.inc({ group: 'reminder-trigger-cg', reason: why });
        d.logger.error({ reminderId, userId, reason }, 'reminder trigger set aside: it cannot be fired');
      };
      for (const t of await setAsideUnfireableTriggers(alone, now))
        setAside(t.reminderId, t.userId, t.reason, 'unfireable_remind_at');
      // Triggers this tick already handled or failed on: never twice in one tick.
      const seen: string[] = [];
      while (seen.length < max) {
        let claimed: ClaimedTrigger | undefined;
        let result: FireOutcome | undefined;
        try {
          await d.db.$transaction(
            async (prismaTx) => {
              const tx = prismaSqlTx(prismaTx);
              claimed = await claimDueTrigger(tx, now, seen);
              if (claimed)
                result = await fireTrigger(tx, claimed, {
                  codec: d.codec,
                  now,
                  traceparent: traceFrom(undefined).traceparent,
                  deliver,
                });
            },
            { maxWait: 10_000, timeout },
          );
        } catch (err) {
          if (claimed && err instanceof DeliveryFailedError) {
            await recordFailedDelivery(alone, claimed.reminderId, err.attempts, now);
            d.logger.warn(
              { reminderId: claimed.reminderId, attempts: claimed.attempts + err.attempts, err: err.message },
              'notification not delivered; retried next tick',
            );
            seen.push(claimed.reminderId);
            continue;
          }
          // An outage ends the tick (the next one retries); any other fault of one trigger is not
          // going away by itself: the trigger is set aside once, so it cannot fail every tick.
          if (!claimed || isRetriable(err)) throw err;
          const reason = `firing failed: ${(err as Error).name}: ${(err as Error).message}`;
          if (await setAsideTrigger(alone, claimed.reminderId, reason, now))
            setAside(claimed.reminderId, claimed.userId, reason, 'fire_failed');
          seen.push(claimed.reminderId);
          continue;
        }
        if (!claimed) return;
        seen.push(claimed.reminderId);
        d.logger.info(
          {
            reminderId: claimed.reminderId,
            taskId: claimed.taskId,
            remindAt: claimed.remindAt.toISOString(),
            ...result,
          },
          'reminder trigger handled',
        );
      }
    },
  };
}
