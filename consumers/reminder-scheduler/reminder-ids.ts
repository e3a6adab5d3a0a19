/**
 * Name-based (version 5 style) UUIDs for what the reminder groups create: the same cause always
 * gives the same id. The inbox already makes each event's side effect happen once; these ids make
 * a copy made outside it (a reprocessed event after the inbox row was lost, a second independent
 * group on the same database) collide on a primary key, or dedupe downstream by event id.
 */
import { createHash } from 'node:crypto';

/** A stable UUID for `name` (SHA-1 of the name, version and variant bits set). */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update('todo-reminders/').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The due-date reminder a task event creates (one per event at most). */
export const dueDateReminderId = (sourceEventId: string): string =>
  nameUuid(`due-date-reminder/${sourceEventId.toLowerCase()}`);

/** Each reminder is scheduled, dismissed and triggered at most once: one event id per transition. */
export const reminderEventId = (
  eventType: 'ReminderScheduled' | 'ReminderDismissed' | 'ReminderTriggered',
  reminderId: string,
): string => nameUuid(`${eventType}/${reminderId.toLowerCase()}`);

/** The in-app notification of a reminder (also unique by reminder_id). */
export const notificationId = (reminderId: string): string => nameUuid(`notification/${reminderId.toLowerCase()}`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A UUID in its canonical text form (any version). */
export const isUuid = (s: unknown): s is string => typeof s === 'string' && UUID.test(s);
