/**
 * Messages that change an existing task ("move the report to friday", "rename X to Y", "set X
 * priority to low") or put a reminder on one ("remind me about the report tomorrow at 9am").
 */
import type { DateTime } from 'luxon';
import { COUNT, LEAD_TIME, countValue, extractWhen, leadMinutes } from './date-phrases.js';
import { cleanTitle, normalizeTag, priorityWord, taskRef } from './field-phrases.js';
import { extractRecurrence } from './recurrence-phrases.js';
import { MAX_TAGS, type Interpretation, type TaskFields, type ToolCall } from './tool-calls.js';

type Groups = { task?: string; value?: string; field?: string };
interface UpdateRule {
  re: RegExp;
  read(g: Groups, now: DateTime): TaskFields | undefined;
}

const title = (g: Groups): TaskFields | undefined => {
  const t = cleanTitle(g.value ?? '');
  return t ? { title: t } : undefined;
};
const priority = (g: Groups): TaskFields | undefined => {
  const p = priorityWord(g.value ?? '');
  return p ? { priority: p } : undefined;
};
/**
 * Only a value that is entirely a date counts, so "move X to the top of the list" is not a
 * reschedule. A new day without a time keeps the task's time of day (`dueDay`).
 */
const due = (g: Groups, now: DateTime): TaskFields | undefined => {
  const when = extractWhen(g.value ?? '', now);
  if (!when.date || cleanTitle(when.rest)) return undefined;
  const relative = /\b(?:in|within|from\s+now|later)\b/i.test(g.value ?? '');
  if (!relative && when.day && !when.time) return { dueDay: when.day.toISODate()! };
  if (!relative && !when.day && when.time) return { dueTime: `${pad(when.time.h)}:${pad(when.time.m)}` };
  return { dueDate: when.date.toISOString() };
};
const pad = (n: number): string => String(n).padStart(2, '0');
const tags = (g: Groups): TaskFields | undefined => {
  const list = (g.value ?? '')
    .split(/\s*(?:,|\band\b|&|\s)\s*/i)
    .map(normalizeTag)
    .filter(Boolean);
  return list.length ? { tags: [...new Set(list)].slice(0, MAX_TAGS) } : undefined;
};
const repeat = (g: Groups, now: DateTime): TaskFields | undefined => {
  const rec = extractRecurrence(g.value ?? '');
  return rec.pattern && !cleanTitle(rec.rest)
    ? { isRecurringTemplate: true, recurrencePattern: rec.pattern(now) }
    : undefined;
};
const CLEARED: Record<string, TaskFields> = {
  due: { dueDate: null },
  dead: { dueDate: null },
  des: { description: null },
  not: { description: null },
  rec: { isRecurringTemplate: false, recurrencePattern: null },
  rep: { isRecurringTemplate: false, recurrencePattern: null },
  tag: { tags: [] },
};

const CHANGE = '(?:change|set|update|edit|modify)';
type Shift = NonNullable<TaskFields['dueShift']>;
const SHIFT_UNIT: Record<string, Shift['unit']> = { m: 'minutes', h: 'hours', d: 'days', w: 'weeks' };
const SHIFT = new RegExp(
  `^(?<verb>push|move|shift|delay|postpone|bump|bring|put\\s+off|set)\\s+(?<task>.+?)\\s+(?<dir>back|out|forward|ahead|up|later|earlier)?\\s*(?:by\\s+)?(?<n>${COUNT}|half\\s+an?)\\s+(?<unit>minutes?|mins?|hours?|hrs?|days?|weeks?)(?:\\s+(?<dir2>later|earlier|back|forward|ahead|sooner))?$`,
  'i',
);

/** "push the dentist back a day", "move the meeting up an hour", "postpone X by 2 days". */
function parseShift(t: string): ToolCall | undefined {
  const g = SHIFT.exec(t)?.groups;
  if (!g) return undefined;
  const dir = (g.dir2 ?? g.dir ?? '').toLowerCase();
  if (!dir && !/^(?:push|delay|postpone|put\s+off|bump)$/i.test(g.verb!)) return undefined;
  const half = /^half/i.test(g.n!);
  const n = half ? 30 : countValue(g.n!);
  const unit = half ? 'minutes' : SHIFT_UNIT[g.unit!.toLowerCase()[0]!]!;
  const earlier = /^(?:forward|ahead|up|earlier|sooner)$/.test(dir) || /^bring$/i.test(g.verb!);
  const task = taskRef(g.task!);
  if (!task || !(n > 0)) return undefined;
  return { tool: 'update_task', args: { task, changes: { dueShift: { amount: earlier ? -n : n, unit } } } };
}

const RULES: UpdateRule[] = [
  { re: /^(?:rename|retitle)\s+(?<task>.+)\s+(?:to|as|into)\s+(?<value>.+)$/i, read: title },
  {
    re: new RegExp(`^${CHANGE}\\s+(?:the\\s+)?(?:title|name)\\s+(?:of|for)\\s+(?<task>.+)\\s+to\\s+(?<value>.+)$`, 'i'),
    read: title,
  },
  { re: new RegExp(`^${CHANGE}\\s+(?<task>.+?)(?:'s)?\\s+(?:title|name)\\s+to\\s+(?<value>.+)$`, 'i'), read: title },
  {
    re: new RegExp(
      `^(?:${CHANGE}|make)\\s+(?:the\\s+)?priority\\s+(?:of|for|on)\\s+(?<task>.+)\\s+(?:to|as)\\s+(?<value>\\w+)(?:\\s+priority)?$`,
      'i',
    ),
    read: priority,
  },
  {
    re: new RegExp(`^${CHANGE}\\s+(?<task>.+?)(?:'s)?\\s+priority\\s+(?:to|as)\\s+(?<value>\\w+)$`, 'i'),
    read: priority,
  },
  {
    re: /^(?:make|mark|set|flag)\s+(?<task>.+?)\s+(?:as\s+)?(?:an?\s+)?(?<value>high|top|medium|normal|low)[\s-]+priority$/i,
    read: priority,
  },
  {
    re: /^(?:make|mark|flag)\s+(?<task>.+?)\s+(?:as\s+)?(?<value>urgent|important)$/i,
    read: () => ({ priority: 'High' }),
  },
  {
    re: new RegExp(
      `^(?:${CHANGE}|make|give)\\s+(?:the\\s+)?priority\\s+(?:to\\s+|as\\s+)?(?<value>\\w+)\\s+(?:for|on|of|to)\\s+(?<task>.+)$`,
      'i',
    ),
    read: priority,
  },
  { re: /^(?:de-?prioriti[sz]e)\s+(?<task>.+)$/i, read: () => ({ priority: 'Low' }) },
  {
    re: /^(?:lower|decrease|reduce|drop)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?<task>.+)$/i,
    read: () => ({ priority: 'Low' }),
  },
  {
    re: /^(?:raise|increase|bump(?:\s+up)?|up)\s+(?:the\s+)?priority\s+(?:of|on|for)\s+(?<task>.+)$/i,
    read: () => ({ priority: 'High' }),
  },
  { re: /^prioriti[sz]e\s+(?<task>.+)$/i, read: () => ({ priority: 'High' }) },
  {
    re: /^(?:move|reschedule|postpone|push(?:\s+back)?|shift|delay|defer|bump)\s+(?<task>.+)\s+(?:to|until|till|for|back\s+to|out\s+to)\s+(?<value>.+)$/i,
    read: due,
  },
  {
    re: /^(?:reschedule|move)\s+(?<task>.+?)\s+(?<value>(?:on\s+|next\s+)?(?:\S+day|tomorrow|today|tonight)\b.*)$/i,
    read: due,
  },
  {
    re: new RegExp(
      `^(?:${CHANGE}|move)\\s+(?:the\\s+)?(?:due\\s*date|deadline|due\\s+time|date)\\s+(?:of|for|on)\\s+(?<task>.+)\\s+to\\s+(?<value>.+)$`,
      'i',
    ),
    read: due,
  },
  {
    re: new RegExp(`^${CHANGE}\\s+(?<task>.+?)(?:'s)?\\s+(?:due\\s*date|deadline)\\s+to\\s+(?<value>.+)$`, 'i'),
    read: due,
  },
  { re: /^make\s+(?<task>.+)\s+due\s+(?<value>.+)$/i, read: due },
  // "change the gym to 6pm": only a value that is entirely a date or time (see `due`).
  { re: new RegExp(`^(?:${CHANGE}|switch)\\s+(?<task>.+?)\\s+to\\s+(?<value>.+)$`, 'i'), read: due },
  { re: /^(?<task>.+?)\s+is\s+(?:now\s+)?due\s+(?<value>.+)$/i, read: due },
  {
    re: /^(?:remove|clear|delete|drop|unset)\s+(?:the\s+)?(?<field>due\s*date|deadline|description|notes?|recurrence|repeat|tags)\s+(?:from|of|for|on)\s+(?<task>.+)$/i,
    read: (g) => CLEARED[(g.field ?? '').slice(0, 3).toLowerCase()],
  },
  {
    re: new RegExp(
      `^${CHANGE}\\s+(?:the\\s+)?(?:description|notes?|details)\\s+(?:of|for|on)\\s+(?<task>.+?)\\s+to\\s+(?<value>.+)$`,
      'i',
    ),
    read: (g) => ({ description: g.value!.trim() }),
  },
  {
    re: /^(?:add|attach)\s+(?:a\s+)?(?:note|description)\s+(?:to|for|on)\s+(?<task>.+?)\s*:\s*(?<value>.+)$/i,
    read: (g) => ({ description: g.value!.trim() }),
  },
  { re: /^tag\s+(?<task>.+?)\s+(?:with|as)\s+(?<value>.+)$/i, read: tags },
  { re: /^(?:add|set)\s+(?:the\s+)?tags?\s+(?<value>.+?)\s+(?:to|on|for)\s+(?<task>.+)$/i, read: tags },
  { re: /^(?:make|set)\s+(?<task>.+?)\s+(?:to\s+)?(?:repeat|recur)(?:s|ring|ing)?\s+(?<value>.+)$/i, read: repeat },
  { re: /^(?<task>.+?)\s+should\s+(?:repeat|recur)\s+(?<value>.+)$/i, read: repeat },
  { re: /^(?:stop\s+(?:repeating|recurring)|don'?t\s+repeat)\s+(?<task>.+)$/i, read: () => CLEARED.rep },
];

/** An update_task call, or undefined when the message is not a recognisable change. */
export function parseUpdate(t: string, now: DateTime): ToolCall | undefined {
  const shift = parseShift(t);
  if (shift) return shift;
  for (const rule of RULES) {
    const m = rule.re.exec(t);
    const groups = m?.groups as Groups | undefined;
    if (!groups) continue;
    const changes = rule.read(groups, now);
    const task = taskRef(groups.task ?? '');
    if (changes && task) return { tool: 'update_task', args: { task, changes } };
  }
  return undefined;
}

const REMINDER =
  /^(?:(?:please\s+)?(?:remind|ping|notify|alert|nudge)\s+me\b(?!\s+to\b)|(?:set|add|create|schedule|put|give\s+me)\s+(?:up\s+)?(?:a\s+|an\s+)?(?:reminder|alert|notification)(?!\s+to\b)(?=\s|$))(?<rest>.*)$/i;

const ABOUT = /^\s*(?:about|of|regarding|re|for|on|to)(?:\s+|$)/i;

/**
 * "remind me about X <when>" / "set a reminder for X <when>" / "remind me 30 minutes before
 * [X]". "remind me to X" is not a reminder on an existing task but a new task, so it is left for
 * the add rules. Without a task named, the reminder is about the task last talked about ("it").
 */
export function parseReminder(t: string, now: DateTime): Interpretation | undefined {
  const m = REMINDER.exec(t);
  if (!m) return undefined;
  let rest = m.groups?.rest ?? '';
  const lead = LEAD_TIME.exec(rest);
  if (lead) {
    rest = `${rest.slice(0, lead.index)} ${rest.slice(lead.index + lead[0].length)}`;
    const task = taskRef(rest.replace(ABOUT, '').replace(/^\s*(?:the|my)?\s*$/i, '')) || 'it';
    return {
      kind: 'tools',
      calls: [{ tool: 'update_task', args: { task, changes: { reminderLeadMinutes: leadMinutes(lead) } } }],
    };
  }
  const when = extractWhen(rest, now);
  const task = taskRef(when.rest.replace(ABOUT, '')) || (when.date ? 'it' : '');
  if (!task) {
    return {
      kind: 'unknown',
      response: 'Which task should I remind you about? Try: "remind me about the report tomorrow at 9am".',
    };
  }
  if (!when.date) {
    return {
      kind: 'unknown',
      response: `When should I remind you about "${task}"? Try: "remind me about ${task} tomorrow at 9am".`,
    };
  }
  return { kind: 'tools', calls: [{ tool: 'set_reminder', args: { task, remindAt: when.date.toISOString() } }] };
}
