/**
 * Reading a question about tasks ("what's due this week?", "show high priority tasks tagged #work",
 * "find tasks about report") into list_tasks filters.
 */
import type { DateTime } from 'luxon';
import { extractWhen, COUNT, countValue } from './date-phrases.js';
import { clipWords, extractPriority, extractTags, normalizeTag } from './field-phrases.js';
import { MAX_SEARCH_LENGTH, type ToolCall } from './tool-calls.js';

/** The arguments of a list_tasks call. */
export type ListArgs = Extract<ToolCall, { tool: 'list_tasks' }>['args'];

const LIST_NOUN =
  /\b(?:tasks?|todos?|to-?dos?|to\s+do\s+list|agenda|list|plate|schedule|overdue|due|pending|upcoming|planned|left)\b/i;

/** Whether a message asks to see tasks rather than change them. */
export function isListRequest(t: string): boolean {
  if (/^(?:show|list|display|view|see)\b/i.test(t)) return true;
  if (/^(?:tell|give|read)\s+me\b/i.test(t) && LIST_NOUN.test(t)) return true;
  if (/^(?:find|search|look\s+(?:for|up))\b/i.test(t)) return true;
  if (
    /^(?:what|which|whats|anything|any|is\s+there|are\s+there|do\s+i\s+have|have\s+i|how\s+many|got\s+anything)\b/i.test(
      t,
    )
  ) {
    return (
      LIST_NOUN.test(t) ||
      /\b(?:completed|done|finished|today|tomorrow|tonight|this\s+week|next\s+week|weekend|tagged|urgent|important|priority|coming\s+up|upcoming|soon|next|remain(?:s|ing)?|(?:do|did)\s+i\s+(?:have|need|finish|complete|do)|have\s+i\s+(?:got|finished|completed|done))\b|#[\p{L}\p{N}]/iu.test(
        t,
      )
    );
  }
  // Bare noun phrases: "my tasks", "tasks tagged #work", "overdue tasks", "high priority tasks".
  return /^(?:(?:my|all|all\s+my|pending|open|completed|done|finished|overdue|upcoming|(?:today|tomorrow|tonight|this\s+week)'?s|urgent|(?:high|medium|low)\s+priority)\s+)*(?:(?:tasks|todos|to-?dos|to-?do\s+list)\b|(?:agenda|schedule)(?:\s+for\b|\s*$))/i.test(
    t,
  );
}

interface Range {
  from?: DateTime;
  to?: DateTime;
}

/** Whole local weeks (Monday to Sunday) or months, `offset` away from the current one. */
function calendarRange(now: DateTime, unit: 'week' | 'month', offset: number): Range {
  const from = now.startOf(unit).plus({ [`${unit}s`]: offset });
  return { from, to: from.endOf(unit) };
}

const RANGE_RULES: [RegExp, (m: RegExpExecArray, now: DateTime) => Range][] = [
  [/\b(?:overdue|past\s+due|late)\b/i, (_m, now) => ({ to: now })],
  [/\b(?:this|current)\s+week\b/i, (_m, now) => calendarRange(now, 'week', 0)],
  [/\bnext\s+week\b/i, (_m, now) => calendarRange(now, 'week', 1)],
  [/\blast\s+week\b/i, (_m, now) => calendarRange(now, 'week', -1)],
  [/\b(?:this|current)\s+month\b/i, (_m, now) => calendarRange(now, 'month', 0)],
  [/\bnext\s+month\b/i, (_m, now) => calendarRange(now, 'month', 1)],
  [
    /\b(?:this\s+)?weekend\b/i,
    (_m, now) => {
      const sat = now.startOf('day').plus({ days: now.weekday === 7 ? -1 : 6 - now.weekday });
      return { from: sat, to: sat.plus({ days: 1 }).endOf('day') };
    },
  ],
  [
    new RegExp(`\\b(?:in\\s+|within\\s+|over\\s+)?(?:the\\s+)?(?:next|coming)\\s+${COUNT}\\s+days?\\b`, 'i'),
    (m, now) => ({ from: now, to: now.plus({ days: countValue(m[1]!) }).endOf('day') }),
  ],
  [/\b(?:upcoming|coming\s+up|soon)\b/i, (_m, now) => ({ from: now, to: now.plus({ days: 7 }).endOf('day') })],
];

const SEARCH_MARKER =
  /\b(?:about|containing|matching|mentioning|regarding|related\s+to|called|named|titled|with\s+(?:the\s+)?(?:word|text|phrase))\s+(.+)$/i;
const FILLER =
  /\b(?:show|list|display|view|see|find|search|look|for|up|me|my|all|the|a|an|any|tasks?|todos?|to-?dos?|items?|that|which|are|is|i|do|have|what|whats|what's|due|on|in|of|anything|there|pending|open|everything|please|with|to|list|agenda|schedule|left|get|give)\b/gi;

function stripEdges(s: string): string {
  return s
    .replace(/^["'“‘\s]+|["'”’\s.,!?]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Builds list_tasks filters. Unless the user asks for done or all tasks, only pending ones are shown. */
export function parseListRequest(text: string, now: DateTime): ListArgs {
  let t = text;
  const args: ListArgs = {};

  const marker = SEARCH_MARKER.exec(t);
  let search = marker ? stripEdges(marker[1]!.replace(/^(?:the|a|an)\s+/i, '')) : undefined;
  // "what about tomorrow": a date, not words to look for.
  if (search !== undefined) {
    const when = extractWhen(search, now);
    if (when.date && !stripEdges(when.rest)) search = undefined;
  }
  if (marker && search !== undefined) t = t.slice(0, marker.index);

  const tags = extractTags(t);
  t = tags.rest;
  let tag = tags.value?.[0];
  const tagWord = /\bwith\s+(?:the\s+)?tag\s+([\p{L}\p{N}_-]+)/iu.exec(t);
  if (!tag && tagWord) {
    tag = normalizeTag(tagWord[1]!) || undefined;
    t = t.slice(0, tagWord.index) + t.slice(tagWord.index + tagWord[0].length);
  }

  const prio = extractPriority(t);
  t = prio.rest;

  let status: ListArgs['status'] = 'pending';
  if (/\b(?:completed|done|finished|finish|closed|complete)\b/i.test(t)) status = 'completed';
  else if (/\b(?:all|everything|every\s+task)\b/i.test(t) && !/\ball\s+(?:my\s+)?(?:pending|open)\b/i.test(t))
    status = 'all';
  t = t.replace(/\b(?:completed|done|finished|closed|complete|pending|open|incomplete|unfinished)\b/gi, ' ');

  let range: Range | undefined;
  for (const [re, read] of RANGE_RULES) {
    const m = re.exec(t);
    if (m) {
      range = read(m, now);
      t = t.slice(0, m.index) + ' ' + t.slice(m.index + m[0].length);
      break;
    }
  }
  if (!range) {
    const when = extractWhen(t, now);
    if (when.day) {
      // "due by friday" / "before friday" / "after monday": open-ended on one side.
      const bound = /\b(by|before|until|till|after|from|since)\s+(?:the\s+)?(?:next\s+|this\s+)?\S+(?:\s+\S+)?$/i
        .exec(t)?.[1]
        ?.toLowerCase();
      const day = when.day;
      range =
        bound === 'by' || bound === 'until' || bound === 'till'
          ? { to: day.endOf('day') }
          : bound === 'before'
            ? { to: day.startOf('day').minus({ milliseconds: 1 }) }
            : bound === 'after'
              ? { from: day.endOf('day').plus({ milliseconds: 1 }) }
              : bound === 'from' || bound === 'since'
                ? { from: day.startOf('day') }
                : { from: day.startOf('day'), to: day.endOf('day') };
      t = when.rest;
    }
  }

  // "show me the dentist task": the words before "task" are what to look for.
  const named =
    /^(?:show|display|view|see|find)\s+(?:me\s+)?(?:the|my)\s+(?<words>.+?)\s+(?:task|todo|to-do|item)s?$/i.exec(t);
  if (
    search === undefined &&
    named?.groups &&
    !/\b(?:completed|done|finished|pending|open|all|overdue|urgent|upcoming)\b/i.test(named.groups.words!)
  )
    search = stripEdges(named.groups.words!);
  if (search === undefined && /^(?:find|search|look\s+(?:for|up))\b/i.test(text)) {
    const words = stripEdges(t.replace(FILLER, ' '));
    if (words) search = words;
  }

  args.status = status;
  if (range?.from) args.dueFrom = range.from.toUTC().toISO()!;
  if (range?.to) args.dueTo = range.to.toUTC().toISO()!;
  if (prio.value) args.priority = prio.value;
  if (tag) args.tag = tag;
  if (search) args.search = clipWords(search, MAX_SEARCH_LENGTH);
  return args;
}
