import { editDistance, isPronoun, matchTasks, stem, type Candidate } from './task-matcher.js';

let n = 0;
const task = (title: string, completed = false): Candidate => ({ id: `t${++n}`, title, completed });
const titleOf = (r: ReturnType<typeof matchTasks>) =>
  r.kind === 'one' ? r.task.title : r.kind === 'ambiguous' ? r.tasks.map((t) => t.title) : undefined;

describe('matchTasks', () => {
  const tasks = [
    task('call mom'),
    task('call the plumber'),
    task('dentist appointment on friday'),
    task('write the quarterly report'),
    task('buy groceries'),
    task('pay the electricity bill'),
    task('walk the dog', true),
    task('renew passport'),
  ];

  test.each([
    ['call mom', 'call mom'],
    ['calling mom', 'call mom'],
    ['called mom', 'call mom'],
    ['calls to mom', 'call mom'],
    ['the dentist thing', 'dentist appointment on friday'],
    ['dentsit', 'dentist appointment on friday'],
    ['denist appointment', 'dentist appointment on friday'],
    ['writing the report', 'write the quarterly report'],
    ['quartely report', 'write the quarterly report'],
    ['grocery', 'buy groceries'],
    ['buying groceries', 'buy groceries'],
    ['electricity', 'pay the electricity bill'],
    ['paying bills', 'pay the electricity bill'],
    ['passport renewal', 'renew passport'],
    ['walked the dog', 'walk the dog'],
    ['PLUMBER', 'call the plumber'],
  ])('%j finds %j', (reference, title) => {
    expect(titleOf(matchTasks(reference, tasks))).toBe(title);
  });

  test.each(['dentist appointment tomorrow at the zoo with grandma', 'xyz', 'the', 'car', 'mum'])(
    '%j finds nothing',
    (reference) => {
      expect(matchTasks(reference, tasks)).toEqual({ kind: 'none' });
    },
  );

  test('two open tasks that match equally are both returned, so the user can be asked', () => {
    const r = matchTasks('report', [task('report for sales'), task('report for finance'), task('call mom')]);
    expect(titleOf(r)).toEqual(['report for sales', 'report for finance']);
  });

  test('an exact title wins over longer titles with the same words', () => {
    expect(titleOf(matchTasks('call mom', [task('call mom about the trip'), task('Call Mom')]))).toBe('Call Mom');
  });

  test('an open task is preferred over a done one; among done ones the most recent', () => {
    expect(titleOf(matchTasks('gym', [task('gym session', true), task('gym')]))).toBe('gym');
    expect(titleOf(matchTasks('gym', [task('gym monday', true), task('gym tuesday', true)]))).toBe('gym monday');
  });

  test('symbols and digits match literally, never by typo tolerance', () => {
    const r = matchTasks('100%', [task('100 pages'), task('pay 100% of rent')]);
    expect(titleOf(r)).toBe('pay 100% of rent');
    expect(titleOf(matchTasks('q3 report', [task('q4 report'), task('q3 report draft')]))).toBe('q3 report draft');
  });
});

describe('helpers', () => {
  test('stem meets inflections', () => {
    for (const [a, b] of [
      ['calling', 'call'],
      ['called', 'calls'],
      ['groceries', 'grocery'],
      ['writing', 'write'],
      ['running', 'run'],
      ['boxes', 'box'],
      ["dentist's", 'dentist'],
    ])
      expect(stem(a!)).toBe(stem(b!));
  });

  test('editDistance counts a transposition as one edit and gives up past the bound', () => {
    expect(editDistance('dentsit', 'dentist', 1)).toBe(1);
    expect(editDistance('kitten', 'sitting', 2)).toBe(3);
    expect(editDistance('abc', 'abc', 0)).toBe(0);
  });

  test('pronouns', () => {
    for (const p of ['it', 'that', 'This one', 'the last one']) expect(isPronoun(p)).toBe(true);
    for (const p of ['item', 'that report', 'its']) expect(isPronoun(p)).toBe(false);
  });
});
