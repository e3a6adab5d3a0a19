/**
 * recurring-task-cg's scheduler side. Each tick takes the due schedules (active and
 * next_occurrence_at <= now) one at a time, each in its own transaction holding the schedule's
 * row lock (`FOR UPDATE SKIP LOCKED`): create the due instances (at most the catch-up cap, the
 * most recent ones) with their TaskCreated events through the outbox, then advance
 * next_occurrence_at past now. A crash anywhere rolls the whole schedule's step back; the
 * RecurrenceInstance primary key keeps a second scheduler from creating an occurrence twice.
 */
import type { RecurrenceSchedule } from '@prisma/client';
import type { EventCodec } from '../../lib/avro/event-codec.js';
import { isRetriable } from '../../lib/errors.js';
import type { Db, Tx } from '../../lib/db/prisma.js';
import { prismaSqlTx } from '../../lib/db/sql-tx.js';
import type { Logger } from '../../lib/logger.js';
import { nextOccurrence, parseRecurrencePattern } from '../../lib/recurrence.js';
import { traceFrom } from '../../lib/trace.js';
import type { Ticker } from '../consumer-service.js';
import { claimDueSchedule } from './claim-due-schedule.js';
import { createInstanceTask } from './create-instance-task.js';
import { dueOccurrences } from './due-occurrences.js';
import { advanceSchedule, deactivateSchedule } from './schedule-sql.js';

export interface RecurrenceTickerDeps {
  db: Db;
  codec: EventCodec;
  logger: Logger;
  clock: () => Date;
  /** At most this many occurrences per schedule and tick; older missed ones are skipped. */
  catchUpCap: number;
  /** Bound on the work of one tick; the rest waits for the next tick. */
  maxSchedulesPerTick?: number;
}

type StepResult =
  | { outcome: 'advanced'; created: number; skippedOlder: boolean; next: Date | null }
  | { outcome: 'template-gone' }
  | { outcome: 'not-a-template' };

async function runSchedule(tx: Tx, s: RecurrenceSchedule, now: Date, d: RecurrenceTickerDeps): Promise<StepResult> {
  // The template may be gone (or no longer recurring) with its event still on the way: never
  // create instances for it. A deleted template is final, so its schedule stops here already;
  // "turned off" is left to its TaskUpdated, which may be followed by a newer "turned on".
  const template = await tx.task.findUnique({ where: { id: s.templateId }, select: { isRecurringTemplate: true } });
  // Reads through Prisma, writes as raw statements in the same transaction.
  const sql = prismaSqlTx(tx);
  if (!template) {
    await deactivateSchedule(sql, s.templateId, now);
    return { outcome: 'template-gone' };
  }
  if (!template.isRecurringTemplate) return { outcome: 'not-a-template' };

  const pattern = parseRecurrencePattern(s.pattern);
  const { due, skippedOlder } = dueOccurrences(
    pattern,
    s.anchor,
    s.nextOccurrenceAt ?? now,
    now,
    d.catchUpCap,
    s.timeZone,
  );
  const ctx = { codec: d.codec, traceparent: traceFrom(undefined).traceparent, now };
  let created = 0;
  for (const occurrenceAt of due) if (await createInstanceTask(sql, s, occurrenceAt, ctx)) created++;
  const next = nextOccurrence(pattern, s.anchor, now, s.timeZone);
  await advanceSchedule(sql, s.templateId, next, now);
  return { outcome: 'advanced', created, skippedOlder, next };
}

export function createRecurrenceTicker(d: RecurrenceTickerDeps): Ticker {
  const max = d.maxSchedulesPerTick ?? 1000;
  return {
    async tick() {
      const now = d.clock();
      // Schedules this tick already handled (or failed on): one that stays due, e.g. because its
      // template was just turned off, must not be picked again and again within one tick.
      const seen: string[] = [];
      while (seen.length < max) {
        let claimed: RecurrenceSchedule | undefined;
        let result: StepResult | undefined;
        try {
          await d.db.$transaction(
            async (tx) => {
              claimed = await claimDueSchedule(tx, now, seen);
              if (claimed) result = await runSchedule(tx, claimed, now, d);
            },
            { maxWait: 10_000, timeout: 30_000 },
          );
        } catch (err) {
          // An outage ends the tick (the next one retries); a fault of one schedule must not
          // block the others behind it, so it is logged and skipped for this tick.
          if (!claimed || isRetriable(err)) throw err;
          d.logger.error(
            { templateId: claimed.templateId, err: (err as Error).message },
            'recurrence step failed; retried next tick',
          );
          seen.push(claimed.templateId);
          continue;
        }
        if (!claimed) return;
        seen.push(claimed.templateId);
        const log = { templateId: claimed.templateId, ...result };
        if (result?.outcome === 'advanced' && result.skippedOlder) {
          d.logger.warn(
            { ...log, catchUpCap: d.catchUpCap },
            'missed occurrences beyond the catch-up cap were skipped',
          );
        } else d.logger.debug(log, 'recurrence schedule stepped');
      }
    },
  };
}
