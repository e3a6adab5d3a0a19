/**
 * Finding the task someone means from their words: "the dentist thing", "calling mom" for "call
 * mom", "dentsit" for "dentist". Pure: ranks the candidates it is given, no I/O.
 *
 * Each word of the reference is compared with the title's words by stem (inflections), then by
 * prefix, then by edit distance (small typos). A task's score is the share of the reference's
 * words it matches, then the share of its own title covered; open tasks come before done ones,
 * and two open tasks ranked equally are both returned so the caller can ask which one.
 */

/** Words that say nothing about which task is meant. */
const FILLER = new Set([
  'a',
  'an',
  'the',
  'my',
  'our',
  'your',
  'that',
  'this',
  'these',
  'those',
  'thing',
  'things',
  'stuff',
  'one',
  'task',
  'tasks',
  'todo',
  'item',
  'to',
  'for',
  'with',
  'about',
  'of',
  'on',
  'in',
  'at',
  'and',
  'i',
  'me',
  'it',
  'is',
  're',
  'something',
  'some',
]);

/** A crude English stemmer: enough to meet "calling", "called", "calls" and "call" in one word. */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/'s$|'$/, '');
  if (w.length <= 3) return w;
  if (/ies$|ied$/.test(w) && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (/(?:ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (/ing$/.test(w) && w.length > 5) w = w.slice(0, -3);
  else if (/ed$/.test(w) && w.length > 4) w = w.slice(0, -2);
  else if (/[^su]s$/.test(w)) w = w.slice(0, -1);
  // "running" → "runn" → "run"; "writing" → "writ" meets "write" → "writ".
  if (/([^aeiouls])\1$/.test(w)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('y')) w = w.slice(0, -1);
  return w;
}

/** Damerau-Levenshtein distance, giving up (returning max + 1) once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length]![b.length]!;
}

/** Words split on spaces and sentence punctuation; "100%" and "q3_report" stay whole. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s,;:.!?()"\[\]{}/]+/u)
    .map((w) => w.replace(/^['\-–]+|['\-–]+$/g, ''))
    .filter((w) => w && !FILLER.has(w));
}

/** How well one word of the reference matches one word of a title, 0 to 1. */
function wordMatch(q: string, t: string): number {
  if (q === t) return 1;
  const qs = stem(q);
  const ts = stem(t);
  if (qs === ts) return 1;
  const lettersOnly = /^\p{L}+$/u.test(q) && /^\p{L}+$/u.test(t);
  if (lettersOnly && qs.length >= 4 && ts.length >= 4 && (ts.startsWith(qs) || qs.startsWith(ts))) return 0.9;
  // Typos are forgiven in words only: "100%" is not "100", nor "q3" "q4".
  if (!lettersOnly) return 0;
  const tolerance = q.length >= 8 ? 2 : q.length >= 4 ? 1 : 0;
  if (tolerance > 0 && editDistance(q, t, tolerance) <= tolerance) return 0.8;
  return 0;
}

export interface Candidate {
  id: string;
  title: string;
  completed: boolean;
}

/** The outcome of {@link matchTasks}: one task, several equally good open ones, or none. */
export type MatchResult<T> = { kind: 'one'; task: T } | { kind: 'ambiguous'; tasks: T[] } | { kind: 'none' };

/** Shares below this are not a match: at least half the reference's words must be found. */
const MIN_SCORE = 0.5;

/** The task `reference` means among `candidates` (ordered most recent first). */
export function matchTasks<T extends Candidate>(reference: string, candidates: readonly T[]): MatchResult<T> {
  const ref = reference.trim().toLowerCase();
  const exact = candidates.filter((c) => c.title.trim().toLowerCase() === ref);
  const exactOpen = exact.filter((c) => !c.completed);
  if (exactOpen.length === 1 || (exactOpen.length === 0 && exact[0]))
    return { kind: 'one', task: exactOpen[0] ?? exact[0]! };
  if (exactOpen.length > 1) return { kind: 'ambiguous', tasks: exactOpen };

  const q = words(ref);
  if (q.length === 0) return { kind: 'none' };
  const scored = candidates
    .map((c) => {
      const t = words(c.title);
      if (t.length === 0) return { c, score: 0, coverage: 0 };
      const per = q.map((w) => Math.max(0, ...t.map((x) => wordMatch(w, x))));
      const covered = t.filter((x) => q.some((w) => wordMatch(w, x) > 0)).length;
      return { c, score: per.reduce((a, b) => a + b, 0) / q.length, coverage: covered / t.length };
    })
    .filter((s) => s.score >= MIN_SCORE);
  if (scored.length === 0) return { kind: 'none' };
  const open = scored.filter((s) => !s.c.completed);
  const pool = open.length > 0 ? open : scored;
  const rank = (s: { score: number; coverage: number }) => s.score * 10 + s.coverage;
  const best = Math.max(...pool.map(rank));
  const top = pool.filter((s) => Math.abs(rank(s) - best) < 1e-9).map((s) => s.c);
  // Several done tasks alike: the most recent one is meant (candidates come most recent first).
  if (top.length === 1 || open.length === 0) return { kind: 'one', task: top[0]! };
  return { kind: 'ambiguous', tasks: top };
}

/** "it", "that", "that one": the task last touched in the conversation. */
export function isPronoun(reference: string): boolean {
  return /^(?:it|that|this|that one|this one|the same one|same one|the last one|last one|them)$/i.test(
    reference.trim(),
  );
}
