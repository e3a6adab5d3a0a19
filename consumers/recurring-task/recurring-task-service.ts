/**
 * recurring-task-cg: recurring task templates become persistent schedules (the handler), and at
 * each occurrence the scheduler tick creates the instance task through the outbox (the ticker).
 * See README.md in this folder for the patterns, the anchor rule and the catch-up cap.
 */
import type { ConsumerServiceDefinition } from '../consumer-service.js';
import { createRecurrenceTicker } from './recurrence-ticker.js';
import { recurringTaskHandler } from './recurring-task-handler.js';

export const recurringTaskService: ConsumerServiceDefinition = {
  group: 'recurring-task-cg',
  createHandler: () => recurringTaskHandler,
  createTicker: ({ db, codec, logger, clock, config }) =>
    createRecurrenceTicker({
      db,
      codec,
      clock,
      logger: logger.child({ component: 'recurrence-ticker' }),
      catchUpCap: config.recurrenceCatchUpCap,
    }),
};
