/**
 * reminder-trigger-cg: ReminderScheduled / ReminderDismissed keep a persistent trigger schedule
 * (the handler); at remind_at the scheduler tick delivers the notification (HTTP POST to
 * NOTIFY_URL with the reminder id as Idempotency-Key, or an in-app Notification row) and emits
 * ReminderTriggered through the outbox (the ticker). See README.md in this folder.
 */
import type { ConsumerServiceDefinition } from '../consumer-service.js';
import { createReminderTicker } from './reminder-ticker.js';
import { createReminderTriggerHandler } from './reminder-trigger-handler.js';

export const reminderTriggerService: ConsumerServiceDefinition = {
  group: 'reminder-trigger-cg',
  createHandler: ({ logger }) =>
    createReminderTriggerHandler({ logger: logger.child({ component: 'reminder-trigger' }) }),
  createTicker: ({ db, codec, logger, clock, config, metrics }) =>
    createReminderTicker({
      db,
      codec,
      clock,
      metrics,
      notifyUrl: config.notifyUrl,
      logger: logger.child({ component: 'reminder-ticker' }),
    }),
};
