/**
 * The offline interpreter: regular expressions over everyday English, so the chat works with no
 * model, no network and no cost, and gives the same answer for the same message and clock.
 */
import { DateTime } from 'luxon';
import { canonicalTimeZone, DEFAULT_TIME_ZONE } from '../../lib/time-zone.js';
import { LEAD_TIME, extractWhen, leadMinutes } from './date-phrases.js';
import { cleanTitle, extractPriority, extractTags, taskRef } from './field-phrases.js';
import { isListRequest, parseListRequest } from './list-phrases.js';
import { extractRecurrence, firstOccurrence } from './recurrence-phrases.js';
import type { ChatContext, Interpretation, Interpreter, TaskFields, ToolCall } from './tool-calls.js';
import { parseReminder, parseUpdate } from './update-phrases.js';

/** Shown whenever a message is not understood, so the user learns the vocabulary by example. */
export const HELP_TEXT = [
  'I can add, list, complete, update and delete tasks, and set reminders. For example:',
  '• "add buy milk tomorrow at 5pm, high priority, #errands"',
  '• "every monday remind me to water the plants"',
  '• "what\'s due this week?" or "show high priority tasks"',
  '• "mark buy milk done" or "delete the dentist task"',
  '• "move the report to friday" or "rename report to quarterly report"',
  '• "remind me about the report tomorrow at 9am" or "remind me to call mom on friday at 10am"',
  '• "remind me 30 minutes before", "push it back a day" (about the task we just talked about)',
].join('\n');

/** Matches the chat endpoint's limit; capping also keeps every regex cheap whatever arrives. */
const MAX_MESSAGE_LENGTH = 2000;

const NOT_UNDERSTOOD = `Sorry, I didn't understand that. ${HELP_TEXT}`;
const unknown = (response = NOT_UNDERSTOOD): Interpretation => ({ kind: 'unknown', response });
const tools = (...calls: ToolCall[]): Interpretation => ({ kind: 'tools', calls });

function normalize(raw: string): string {
  let s = raw
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s
      .replace(
        /^(?:hey|hi|hello|ok(?:ay)?|so|um+|please|pls|plz|kindly|can\s+you|could\s+you|would\s+you|will\s+you|i\s+want\s+you\s+to|i'?d\s+like\s+you\s+to)\b[\s,!]*/i,
        '',
      )
      .replace(/[\s,]*\b(?:please|pls|plz|thanks|thank\s+you|thx)\b[\s.!]*$/i, '')
      .replace(/[\s.!?]+$/, '');
  }
  return s;
}

/** Past tenses people use for "I did the task" whose stem does not meet the present ("paid" → "pay"). */
const IRREGULAR_PAST: Record<string, string> = {
  paid: 'pay',
  bought: 'buy',
  sent: 'send',
  wrote: 'write',
  did: 'do',
  made: 'make',
  took: 'take',
  went: 'go',
  got: 'get',
  sold: 'sell',
  fed: 'feed',
  met: 'meet',
  ran: 'run',
  swept: 'sweep',
  brought: 'bring',
  cleaned: 'clean',
  rang: 'ring',
  read: 'read',
  gave: 'give',
  found: 'find',
  left: 'leave',
  picked: 'pick',
  hung: 'hang',
  drove: 'drive',
  ate: 'eat',
  spoke: 'speak',
  taught: 'teach',
  fixed: 'fix',
};
/** Past tenses that announce intentions or other things, never a task done. */
const NOT_DONE_VERBS =
  'wanted|needed|planned|decided|started|tried|forgot|hoped|meant|used|liked|loved|hated|wondered|asked|added|created|scheduled|moved|rescheduled|renamed|deleted|removed|changed|set|put|got\\s+to|have|had';
/** "I called mom", "I've paid the rent": the task, with an irregular verb put back in its present form. */
const DID_IT = new RegExp(
  `^i(?:'ve|\\s+have)?\\s+(?:just\\s+|already\\s+|finally\\s+|now\\s+)?(?!(?:${NOT_DONE_VERBS})\\b)(?<verb>[a-z]+ed|${Object.keys(IRREGULAR_PAST).join('|')})\\s+(?<rest>(?!to\\b).+)$`,
  'i',
);

function didIt(t: string): string | undefined {
  const m = DID_IT.exec(t);
  if (!m?.groups) return undefined;
  const verb = m.groups.verb!.toLowerCase();
  return `${IRREGULAR_PAST[verb] ?? verb} ${m.groups.rest}`;
}

const COMPLETE_RULES: RegExp[] = [
  /^mark\s+(?<task>.+?)\s+(?:as\s+)?(?:done|complete|completed|finished)$/i,
  /^(?:check(?:ed)?|tick(?:ed)?|cross(?:ed)?)\s+off\s+(?<task>.+)$/i,
  /^(?:check(?:ed)?|tick(?:ed)?|cross(?:ed)?)\s+(?<task>.+?)\s+off(?:\s+(?:my|the)\s+list)?$/i,
  /^(?:tick(?:ed)?|cross(?:ed)?\s+out)\s+(?<task>.+)$/i,
  /^(?:complete|finish|close|done(?:\s+with)?|completed|finished)\s*:?\s+(?<task>.+)$/i,
  /^i(?:'ve|\s+have)?\s+(?:just\s+|already\s+|now\s+)?(?:finished|completed|done|did|wrapped\s+up)\s+(?:with\s+)?(?<task>.+)$/i,
  /^(?<task>.+?)\s+(?:is|was|are|were)\s+(?:now\s+|all\s+|already\s+)?(?:done|finished|complete|completed)$/i,
  // "buy milk done", "buy milk ✓": but not "get it done", which is work still to do.
  /^(?!(?:get|have|be|got)\b)(?<task>.+?)\s*[-:–,]?\s*(?:done|finished|completed|✓|✔|✅|☑)$/iu,
];

const DELETE_RULES: RegExp[] = [
  /^(?:delete|remove|cancel|drop|trash|erase|discard|scrap|get\s+rid\s+of|forget(?:\s+about)?|never\s*mind(?:\s+about)?)\s+(?<task>.+)$/i,
  /^i\s+(?:no\s+longer\s+(?:need|have)\s+to|(?:do\s+not|don'?t)\s+(?:need|have)\s+to)\s+(?<task>.+?)(?:\s+any\s*more)?$/i,
];

/** `datedIsNew`: "finish the report by friday" announces work to do, not work done. */
function matchTask(t: string, rules: RegExp[], now: DateTime, datedIsNew = false): string | undefined {
  for (const re of rules) {
    const task = re.exec(t)?.groups?.task;
    if (!task || (datedIsNew && extractWhen(task, now).date)) continue;
    const ref = taskRef(task);
    if (ref) return ref;
  }
  return undefined;
}

// Phrases that announce a new task; what follows them is the title plus its details.
const ADD_PREFIX = new RegExp(
  [
    '^(?:(?:please\\s+)?(?:add|create|new|schedule|put|jot\\s+down|write\\s+down)\\b\\s*',
    '(?:to\\s+(?:my|the)\\s+(?:(?:todo|to-do|to\\s+do|task)\\s+)?list\\s*:?\\s*)?',
    '(?:(?:a|an)\\s+)?(?:new\\s+)?(?:(?:recurring|repeating)\\s+)?(?:(?:task|todo|to-do|item|reminder)s?\\b\\s*(?::|-|called|named|titled|to|for)?\\s*)?',
    '|(?<remind>(?:remind|ping|nudge)\\s+me|(?:set\\s+|add\\s+|create\\s+)?(?:a\\s+)?reminder)\\s+to\\b\\s*',
    "|(?:i\\s+(?:need|have|want|got)\\s+to|i'?ve\\s+got\\s+to|i\\s+gotta|i\\s+must|i\\s+should|need\\s+to|have\\s+to|must|don'?t\\s+(?:let\\s+me\\s+)?forget(?:\\s+to|\\s+about)?|do\\s+not\\s+forget(?:\\s+to|\\s+about)?|remember\\s+to)\\b\\s*",
    '|(?:todo|to-do|task)\\s*:\\s*)',
  ].join(''),
  'i',
);

/** Cuts the announcing phrase off, wherever a leading recurrence left it ("every monday remind me to ..."). */
function stripAddPrefix(text: string): { rest: string; explicit: boolean; remind: boolean } {
  const m = ADD_PREFIX.exec(text);
  return m
    ? {
        rest: text.slice(m[0].length),
        explicit: true,
        remind: m.groups?.remind !== undefined || /\breminder\b/i.test(m[0]),
      }
    : { rest: text, explicit: false, remind: false };
}

/** ", remind me 30 minutes before" / "and alert me an hour ahead" said with a new task. */
function extractLead(text: string): { rest: string; minutes?: number } {
  const m = LEAD_TIME.exec(text);
  if (!m) return { rest: text };
  const before = text
    .slice(0, m.index)
    .replace(/[\s,;]*(?:\band\s+)?(?:\b(?:remind|ping|alert|notify|nudge)\s+me\s*)?$/i, ' ');
  return {
    rest: `${before} ${text.slice(m.index + m[0].length)}`.replace(/\s+/g, ' ').trim(),
    minutes: leadMinutes(m),
  };
}

/**
 * An add_task call. Without an explicit "add"/"remind me to", a message still counts as a new task
 * when it carries a date or a recurrence ("buy milk tomorrow"), which is how people jot todos down.
 * "remind me to X at T" is a task due at T whose reminder fires at T (lead 0), or the lead asked for.
 */
function parseAdd(t: string, now: DateTime): Interpretation | undefined {
  const head = stripAddPrefix(t);
  const lead = extractLead(head.rest);
  const tags = extractTags(lead.rest);
  const prio = extractPriority(tags.rest);
  const rec = extractRecurrence(prio.rest);
  const inner = head.explicit ? { rest: rec.rest, explicit: true, remind: head.remind } : stripAddPrefix(rec.rest);
  const when = extractWhen(inner.rest, now);
  const title = cleanTitle(when.rest);
  const explicit = head.explicit || inner.explicit;
  if (!explicit && !rec.pattern && !when.date) return undefined;
  if (!title)
    return explicit ? unknown('What should the task be called? Try: "add buy milk tomorrow at 5pm".') : undefined;

  const fields: TaskFields & { title: string } = { title };
  let due: DateTime | undefined = when.date ? DateTime.fromJSDate(when.date, { zone: now.zone }) : undefined;
  const recurrence = rec.pattern?.(due ?? now);
  if (recurrence) {
    // A bare time on a repeating task means the first day the pattern fires, not simply today.
    const time = when.time ?? rec.time;
    if (time && !when.day) due = firstOccurrence(recurrence, now, time);
  }
  if (due) fields.dueDate = due.toUTC().toISO()!;
  if (prio.value) fields.priority = prio.value;
  if (tags.value) fields.tags = tags.value;
  if (recurrence) {
    fields.isRecurringTemplate = true;
    fields.recurrencePattern = recurrence;
  }
  if (lead.minutes !== undefined) fields.reminderLeadMinutes = lead.minutes;
  else if ((head.remind || inner.remind) && due && !recurrence) fields.reminderLeadMinutes = 0;
  return tools({ tool: 'add_task', args: fields });
}

/** Whether `text` is nothing but a time, a date or a recurrence ("tomorrow at 8", "every day at 7am"). */
function onlyWhen(text: string, now: DateTime): boolean {
  const rec = extractRecurrence(text);
  const when = extractWhen(rec.rest, now);
  return (rec.pattern !== undefined || when.date !== undefined) && cleanTitle(when.rest) === '';
}

/**
 * "remind me at 3pm to call john" / "in 2 hours remind me to leave": a new task said with its time
 * first, rewritten as "remind me to call john at 3pm" for the add rules.
 */
function reminderToAdd(t: string, now: DateTime): string | undefined {
  const inside = /^(?<verb>(?:remind|ping|nudge|alert|notify)\s+me)\s+(?<when>.+?)\s+to\s+(?<what>.+)$/i.exec(
    t,
  )?.groups;
  if (inside && onlyWhen(inside.when!, now)) return `${inside.verb} to ${inside.what} ${inside.when}`;
  const before = /^(?<when>.+?)[\s,]+(?<rest>(?:remind|ping|nudge)\s+me\s+to\s+.+)$/i.exec(t)?.groups;
  if (before && onlyWhen(before.when!, now)) return `${before.rest} ${before.when}`;
  return undefined;
}

function interpretText(t: string, now: DateTime): Interpretation {
  if (!t || /^(?:help|\?+|commands|what\s+can\s+you\s+do|how\s+does\s+(?:this|it)\s+work)$/i.test(t))
    return unknown(HELP_TEXT);

  // "urgent: fix the sink", "high priority: call the bank": a new task announced by its priority.
  const flagged =
    /^(?<prio>(?:high|top|medium|normal|low)[\s-]+priority|urgent|important|asap)\s*[:\-–]\s*(?<rest>.+)$/i.exec(
      t,
    )?.groups;
  if (flagged) return parseAdd(`add ${flagged.rest} ${flagged.prio}`, now) ?? unknown();
  const asked = reminderToAdd(t, now);
  if (asked) return parseAdd(asked, now) ?? unknown();
  const reminder = parseReminder(t, now);
  if (reminder) return reminder;
  if (isListRequest(t)) return tools({ tool: 'list_tasks', args: parseListRequest(t, now) });

  const update = parseUpdate(t, now);
  if (update) return tools(update);
  if (!/\b(?:not\s+done|undone|incomplete|unfinished)\b/i.test(t)) {
    if (
      /^(?:that|it|this)(?:'s|\s+is|\s+was)\s+(?:now\s+|all\s+|already\s+)?(?:done|finished|complete|completed)$/i.test(
        t,
      )
    )
      return tools({ tool: 'complete_task', args: { task: 'it' } });
    const done = matchTask(t, COMPLETE_RULES, now, true);
    if (done) return tools({ tool: 'complete_task', args: { task: done } });
    const did = didIt(t);
    const ref = did && !extractWhen(did, now).date ? taskRef(did) : undefined;
    if (ref) return tools({ tool: 'complete_task', args: { task: ref } });
  }
  const gone = matchTask(t, DELETE_RULES, now);
  if (gone) return tools({ tool: 'delete_task', args: { task: gone } });

  return parseAdd(t, now) ?? unknown();
}

/** Deterministic English interpreter: the same message, `ctx.now` and zone always give the same result. */
export class RuleInterpreter implements Interpreter {
  async interpret(message: string, ctx: ChatContext): Promise<Interpretation> {
    try {
      const raw = typeof message === 'string' ? message : String(message ?? '');
      if (raw.length > MAX_MESSAGE_LENGTH) return unknown(`That message is too long for me. ${HELP_TEXT}`);
      const instant = ctx?.now instanceof Date && !Number.isNaN(ctx.now.getTime()) ? ctx.now : undefined;
      if (!instant) return unknown('I cannot read dates right now (no valid clock was given).');
      const zone = canonicalTimeZone(ctx.timeZone) ?? DEFAULT_TIME_ZONE;
      return interpretText(normalize(raw), DateTime.fromJSDate(instant, { zone }));
    } catch {
      // Any gap in the rules must degrade to "not understood", never to a failed chat request.
      return unknown();
    }
  }
}
