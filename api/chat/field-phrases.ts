/**
 * Small phrase extractors shared by the rule interpreter: tags, priority, and the cleanup that
 * turns what is left of a message into a title or a task reference.
 */
import { MAX_TAG_LENGTH, MAX_TAGS, MAX_TITLE_LENGTH, type Priority } from './tool-calls.js';

/** A value found in a message plus the message with that phrase removed. */
export interface Found<T> {
  value: T | undefined;
  rest: string;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** A tag as stored: no `#`, lower case, no trailing separators; empty when unusable. */
export function normalizeTag(raw: string): string {
  const tag = raw
    .replace(/^#+/, '')
    .toLowerCase()
    .replace(/[-_/]+$/, '');
  return tag.length <= MAX_TAG_LENGTH ? tag : '';
}

/** Pulls out `#tags` (and "tagged work"), lower-cased and deduplicated, in order of appearance. */
export function extractTags(text: string): Found<string[]> {
  const tags: string[] = [];
  const add = (t: string): void => {
    const tag = normalizeTag(t);
    if (tag && !tags.includes(tag) && tags.length < MAX_TAGS) tags.push(tag);
  };
  let rest = text.replace(/(^|[\s,(])#([\p{L}\p{N}_][\p{L}\p{N}_\-/]*)/gu, (_m, lead: string, tag: string) => {
    add(tag);
    return lead;
  });
  rest = rest.replace(
    /\b(?:tagged|with\s+(?:the\s+)?tags?|tags?:)\s*(?:with\s+|as\s+)?(?=[\s,]*(?:and\b|$|,))/giu,
    ' ',
  );
  rest = rest.replace(/\btagged\s+(?:with\s+|as\s+)?([\p{L}\p{N}_][\p{L}\p{N}_-]*)/giu, (_m, tag: string) => {
    add(tag);
    return ' ';
  });
  return { value: tags.length ? tags : undefined, rest: squash(rest) };
}

const PRIORITY_WORDS: Record<string, Priority> = {
  high: 'High',
  top: 'High',
  highest: 'High',
  urgent: 'High',
  medium: 'Medium',
  normal: 'Medium',
  mid: 'Medium',
  low: 'Low',
  lowest: 'Low',
  p1: 'High',
  p2: 'Medium',
  p3: 'Low',
};

/** Reads a priority word ("high", "urgent", "p2") or returns undefined. */
export function priorityWord(word: string): Priority | undefined {
  return PRIORITY_WORDS[word.toLowerCase().trim()];
}

const PRIORITY_RULES: [RegExp, (m: RegExpExecArray) => Priority | undefined][] = [
  [/\bnot\s+(?:urgent|important)\b/i, () => 'Low'],
  [
    /\b(?:(?:with|as|at)\s+(?:an?\s+)?)?(high|top|highest|medium|normal|mid|low|lowest)[\s-]+(?:priority|prio|pri)\b/i,
    (m) => priorityWord(m[1]!),
  ],
  [/\b(?:priority|prio)\s*(?:[:=]|is|of|to)?\s*(high|top|medium|normal|low|urgent)\b/i, (m) => priorityWord(m[1]!)],
  [/\b(?:p[123])\b/i, (m) => priorityWord(m[0])],
  [/(?:\b(?:urgent(?:ly)?|asap|critical|important)\b|!!+)/i, () => 'High'],
];

/** Finds the first priority phrase: "high priority", "priority: low", "urgent", "asap", "!!". */
export function extractPriority(text: string): Found<Priority> {
  for (const [re, read] of PRIORITY_RULES) {
    const m = re.exec(text);
    const value = m ? read(m) : undefined;
    if (m && value) return { value, rest: squash(text.slice(0, m.index) + ' ' + text.slice(m.index + m[0].length)) };
  }
  return { value: undefined, rest: text };
}

const EDGE_JUNK = /^[\s,;:.\-–—!?]+|[\s,;:.\-–—!?]+$/g;
const TRAILING_FILLER =
  /[\s,]*\b(?:and|with|due|by|on|at|for|to|as|please|to\s+(?:my|the)\s+(?:(?:todo|to-do|to\s+do|task)\s+)?(?:list|tasks|todos|to-dos))\s*$/i;

function unquote(s: string): string {
  const m = /^["'`“‘](.*)["'`”’]$/s.exec(s);
  return m ? m[1]!.trim() : s;
}

/** Tidies what is left of a message after the structured phrases were cut out. */
export function cleanTitle(text: string): string {
  let s = squash(text).replace(EDGE_JUNK, '');
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s.replace(TRAILING_FILLER, '').replace(EDGE_JUNK, '');
  }
  // Mid-sentence leftovers such as "buy milk , , at" after cuts: collapse runs of separators.
  s = s.replace(/\s*,(?:\s*,)+\s*/g, ', ').replace(/\s+,/g, ',');
  s = unquote(s).replace(EDGE_JUNK, '');
  return clipWords(s, MAX_TITLE_LENGTH);
}

/** Shortens `s` to at most `max` characters, at a word boundary when there is one. */
export function clipWords(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  return cut.replace(/\s+\S*$/, '').trim() || cut;
}

/**
 * Reduces "the dentist task" / "my report" / "task: buy milk" to the words that identify the task.
 * Articles and the word "task" carry nothing the service could match against titles.
 */
export function taskRef(text: string): string {
  let s = cleanTitle(text);
  s = s.replace(/\s+(?:from|off|on|in)\s+(?:my|the)\s+(?:(?:todo|to-do|to\s+do|task)\s+)?(?:list|tasks|todos)$/i, '');
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s
      .replace(/^(?:the|my|a|an|our)\s+/i, '')
      .replace(/^(?:that|this)\s+(?!one$)/i, '')
      .replace(/^(?:task|todo|to-do|item)\b\s*(?:called|named|titled|:)?\s*/i, '')
      .replace(/\s+(?:task|todo|to-do|item|thing|stuff|one)$/i, '')
      .replace(/\s+(?:as\s+)?(?:well|too|now|already)$/i, '');
    s = cleanTitle(s);
  }
  // "that", "this one", "the same one": the task last talked about, which the service knows as "it".
  return /^(?:it|that|this|that\s+one|this\s+one|(?:the\s+)?same\s+one|(?:the\s+)?last\s+one)$/i.test(s) ? 'it' : s;
}
