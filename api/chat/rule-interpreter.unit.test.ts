import { toToolCall } from './llm-tools.js';
import { HELP_TEXT, RuleInterpreter } from './rule-interpreter.js';
import { isValidRecurrencePattern } from '../../lib/recurrence.js';
import type { Interpretation, ToolCall } from './tool-calls.js';

// Wednesday. Every expectation below is relative to this instant.
const NOW = new Date('2026-11-25T10:00:00Z');
const FRIDAY = new Date('2026-11-27T10:00:00Z');
const rules = new RuleInterpreter();

const interpret = (message: string, now = NOW): Promise<Interpretation> => rules.interpret(message, { now });
const one = (call: ToolCall): Interpretation => ({ kind: 'tools', calls: [call] });
const add = (args: Extract<ToolCall, { tool: 'add_task' }>['args']): Interpretation => one({ tool: 'add_task', args });
const list = (args: Extract<ToolCall, { tool: 'list_tasks' }>['args']): Interpretation =>
  one({ tool: 'list_tasks', args });
const update = (task: string, changes: Extract<ToolCall, { tool: 'update_task' }>['args']['changes']): Interpretation =>
  one({ tool: 'update_task', args: { task, changes } });
const complete = (task: string): Interpretation => one({ tool: 'complete_task', args: { task } });
const remove = (task: string): Interpretation => one({ tool: 'delete_task', args: { task } });
const remind = (task: string, remindAt: string): Interpretation =>
  one({ tool: 'set_reminder', args: { task, remindAt } });

const CASES: [string, Interpretation][] = [
  // Adding tasks
  [
    'add buy milk tomorrow at 5pm, high priority, #errands',
    add({ title: 'buy milk', dueDate: '2026-11-26T17:00:00.000Z', priority: 'High', tags: ['errands'] }),
  ],
  ['Add Buy Milk TOMORROW AT 5PM', add({ title: 'Buy Milk', dueDate: '2026-11-26T17:00:00.000Z' })],
  ["add 'buy milk' to my list", add({ title: 'buy milk' })],
  ['add task: call the bank on monday morning', add({ title: 'call the bank', dueDate: '2026-11-30T09:00:00.000Z' })],
  ['add call mom tonight', add({ title: 'call mom', dueDate: '2026-11-25T20:00:00.000Z' })],
  [
    'add report on friday at 5:30pm urgent',
    add({ title: 'report', dueDate: '2026-11-27T17:30:00.000Z', priority: 'High' }),
  ],
  ['add read book next friday', add({ title: 'read book', dueDate: '2026-11-27T09:00:00.000Z' })],
  ['add gym at noon', add({ title: 'gym', dueDate: '2026-11-25T12:00:00.000Z' })],
  ['add meet anna at 17:00', add({ title: 'meet anna', dueDate: '2026-11-25T17:00:00.000Z' })],
  ['add breakfast with dad at 9am', add({ title: 'breakfast with dad', dueDate: '2026-11-26T09:00:00.000Z' })],
  ['add call bob in 2 hours', add({ title: 'call bob', dueDate: '2026-11-25T12:00:00.000Z' })],
  ['add check oven in 30 minutes', add({ title: 'check oven', dueDate: '2026-11-25T10:30:00.000Z' })],
  ['add renew passport in 3 days', add({ title: 'renew passport', dueDate: '2026-11-28T09:00:00.000Z' })],
  ['add plan trip next week', add({ title: 'plan trip', dueDate: '2026-11-30T09:00:00.000Z' })],
  ['add submit taxes 2026-12-01', add({ title: 'submit taxes', dueDate: '2026-12-01T09:00:00.000Z' })],
  ['add dentist 3 June', add({ title: 'dentist', dueDate: '2027-06-03T09:00:00.000Z' })],
  ['add order cake for dec 24th', add({ title: 'order cake', dueDate: '2026-12-24T09:00:00.000Z' })],
  [
    'add send invoice on December 1, 2027 at 14:15',
    add({ title: 'send invoice', dueDate: '2027-12-01T14:15:00.000Z' }),
  ],
  ['new task pay bills by the 30th', add({ title: 'pay bills', dueDate: '2026-11-30T09:00:00.000Z' })],
  ['add low priority clean garage', add({ title: 'clean garage', priority: 'Low' })],
  [
    'add buy gift for mom on friday #family #gifts',
    add({ title: 'buy gift for mom', dueDate: '2026-11-27T09:00:00.000Z', tags: ['family', 'gifts'] }),
  ],
  [
    'i need to call the plumber tomorrow morning',
    add({ title: 'call the plumber', dueDate: '2026-11-26T09:00:00.000Z' }),
  ],
  [
    'remind me to call mom tomorrow evening',
    add({ title: 'call mom', dueDate: '2026-11-26T18:00:00.000Z', reminderLeadMinutes: 0 }),
  ],
  ["don't forget to pay rent on the 1st", add({ title: 'pay rent', dueDate: '2026-12-01T09:00:00.000Z' })],
  ['buy milk tomorrow', add({ title: 'buy milk', dueDate: '2026-11-26T09:00:00.000Z' })],
  [
    'please add water the lawn this weekend, thanks',
    add({ title: 'water the lawn', dueDate: '2026-11-28T09:00:00.000Z' }),
  ],
  // Recurring tasks
  [
    'every monday remind me to water the plants',
    add({ title: 'water the plants', isRecurringTemplate: true, recurrencePattern: 'weekly:mon' }),
  ],
  [
    'add pay rent on the 1st of every month',
    add({ title: 'pay rent', isRecurringTemplate: true, recurrencePattern: 'monthly:1' }),
  ],
  [
    'every month on the 15th pay the card',
    add({ title: 'pay the card', isRecurringTemplate: true, recurrencePattern: 'monthly:15' }),
  ],
  ['add water plants every day', add({ title: 'water plants', isRecurringTemplate: true, recurrencePattern: 'daily' })],
  [
    'every day at 8am take vitamins',
    add({
      title: 'take vitamins',
      dueDate: '2026-11-26T08:00:00.000Z',
      isRecurringTemplate: true,
      recurrencePattern: 'daily',
    }),
  ],
  [
    'every weekday standup at 9:30',
    add({
      title: 'standup',
      dueDate: '2026-11-26T09:30:00.000Z',
      isRecurringTemplate: true,
      recurrencePattern: 'weekdays',
    }),
  ],
  [
    'every 2 weeks clean the fridge',
    add({ title: 'clean the fridge', isRecurringTemplate: true, recurrencePattern: 'every:2:weeks' }),
  ],
  [
    'every 3 days water the ferns',
    add({ title: 'water the ferns', isRecurringTemplate: true, recurrencePattern: 'every:3:days' }),
  ],
  ['every other day stretch', add({ title: 'stretch', isRecurringTemplate: true, recurrencePattern: 'every:2:days' })],
  [
    'add team sync every monday and thursday at 3pm',
    add({
      title: 'team sync',
      dueDate: '2026-11-26T15:00:00.000Z',
      isRecurringTemplate: true,
      recurrencePattern: 'weekly:mon,thu',
    }),
  ],
  [
    'on mondays and fridays go to the gym',
    add({ title: 'go to the gym', isRecurringTemplate: true, recurrencePattern: 'weekly:mon,fri' }),
  ],
  [
    'add mow lawn every saturday morning',
    add({
      title: 'mow lawn',
      dueDate: '2026-11-28T09:00:00.000Z',
      isRecurringTemplate: true,
      recurrencePattern: 'weekly:sat',
    }),
  ],
  [
    'every week call grandma',
    add({ title: 'call grandma', isRecurringTemplate: true, recurrencePattern: 'weekly:wed' }),
  ],
  [
    'add backup cron:0 3 * * *',
    add({ title: 'backup', isRecurringTemplate: true, recurrencePattern: 'cron:0 3 * * *' }),
  ],
  // Listing
  [
    "what's due this week?",
    list({ status: 'pending', dueFrom: '2026-11-23T00:00:00.000Z', dueTo: '2026-11-29T23:59:59.999Z' }),
  ],
  ['show my tasks', list({ status: 'pending' })],
  ['show all tasks', list({ status: 'all' })],
  ['list completed tasks', list({ status: 'completed' })],
  [
    "what's due today",
    list({ status: 'pending', dueFrom: '2026-11-25T00:00:00.000Z', dueTo: '2026-11-25T23:59:59.999Z' }),
  ],
  [
    "what's due tomorrow?",
    list({ status: 'pending', dueFrom: '2026-11-26T00:00:00.000Z', dueTo: '2026-11-26T23:59:59.999Z' }),
  ],
  [
    'anything due next week',
    list({ status: 'pending', dueFrom: '2026-11-30T00:00:00.000Z', dueTo: '2026-12-06T23:59:59.999Z' }),
  ],
  ["what's overdue", list({ status: 'pending', dueTo: '2026-11-25T10:00:00.000Z' })],
  ['show high priority tasks', list({ status: 'pending', priority: 'High' })],
  ['tasks tagged #work', list({ status: 'pending', tag: 'work' })],
  ['show completed tasks tagged #work', list({ status: 'completed', tag: 'work' })],
  ['find tasks about report', list({ status: 'pending', search: 'report' })],
  ['search for dentist', list({ status: 'pending', search: 'dentist' })],
  // Completing
  ['mark buy milk done', complete('buy milk')],
  ['complete buy milk', complete('buy milk')],
  ['I finished the report', complete('report')],
  ['mark the dentist appointment as done', complete('dentist appointment')],
  ['check off buy milk', complete('buy milk')],
  ['the report is done', complete('report')],
  ["I've completed the tax return", complete('tax return')],
  // Deleting
  ['delete the dentist task', remove('dentist')],
  ['remove dentist', remove('dentist')],
  ['cancel the gym session', remove('gym session')],
  // Updating
  ['move the report to friday', update('report', { dueDay: '2026-11-27' })],
  ['reschedule dentist to next monday at 2pm', update('dentist', { dueDate: '2026-11-30T14:00:00.000Z' })],
  ['postpone report until tomorrow', update('report', { dueDay: '2026-11-26' })],
  ['change the due date of report to June 3', update('report', { dueDay: '2027-06-03' })],
  ["change report's due date to friday at 3pm", update('report', { dueDate: '2026-11-27T15:00:00.000Z' })],
  ['remove the due date from report', update('report', { dueDate: null })],
  ['rename report to quarterly report', update('report', { title: 'quarterly report' })],
  ["rename 'buy milk' to 'buy oat milk'", update('buy milk', { title: 'buy oat milk' })],
  ['set report priority to low', update('report', { priority: 'Low' })],
  ['change the priority of report to high', update('report', { priority: 'High' })],
  ['make dentist urgent', update('dentist', { priority: 'High' })],
  ['tag report with #work, #q4', update('report', { tags: ['work', 'q4'] })],
  ['set the description of report to include Q3 numbers', update('report', { description: 'include Q3 numbers' })],
  [
    'make gym repeat every monday and wednesday',
    update('gym', { isRecurringTemplate: true, recurrencePattern: 'weekly:mon,wed' }),
  ],
  ['stop repeating gym', update('gym', { isRecurringTemplate: false, recurrencePattern: null })],
  // Reminders
  ['remind me about the report tomorrow at 9am', remind('report', '2026-11-26T09:00:00.000Z')],
  ['set a reminder for buy milk at 4pm', remind('buy milk', '2026-11-25T16:00:00.000Z')],
  ['remind me tomorrow at 8am about the meeting', remind('meeting', '2026-11-26T08:00:00.000Z')],
  ['remind me about dentist in 2 hours', remind('dentist', '2026-11-25T12:00:00.000Z')],
];

describe('RuleInterpreter', () => {
  test.each(CASES)('%s', async (message, expected) => {
    expect(await interpret(message)).toEqual(expected);
  });

  test('a weekday named on that same weekday means next week', async () => {
    expect(await interpret('move the report to friday', FRIDAY)).toEqual(update('report', { dueDay: '2026-12-04' }));
    expect(await interpret('add yoga at 9am', FRIDAY)).toEqual(
      add({ title: 'yoga', dueDate: '2026-11-28T09:00:00.000Z' }),
    );
  });

  test('a month and day already past this year rolls to next year', async () => {
    expect(await interpret('add renew visa on March 3')).toEqual(
      add({ title: 'renew visa', dueDate: '2027-03-03T09:00:00.000Z' }),
    );
    expect(await interpret('add party on Nov 25')).toEqual(
      add({ title: 'party', dueDate: '2026-11-25T09:00:00.000Z' }),
    );
  });

  test.each(['', '   ', '\n\t', 'hello', 'asdfghjkl', "what's up", 'the', '42', 'mark X as not done', 'tomorrow'])(
    'unknown: %j',
    async (message) => {
      const result = await interpret(message);
      expect(result.kind).toBe('unknown');
      expect(result.kind === 'unknown' && result.response).toContain('add buy milk tomorrow at 5pm');
    },
  );

  test('asking for help lists the capabilities', async () => {
    expect(await interpret('what can you do?')).toEqual({ kind: 'unknown', response: HELP_TEXT });
  });

  test('a reminder needs a task and a time', async () => {
    const noTime = await interpret('set a reminder for the report');
    expect(noTime).toEqual({
      kind: 'unknown',
      response: expect.stringContaining('When should I remind you about "report"'),
    });
    expect((await interpret('remind me about')).kind).toBe('unknown');
  });

  test('the same message and clock always give the same answer', async () => {
    for (const [message] of CASES.slice(0, 10)) expect(await interpret(message)).toEqual(await interpret(message));
  });

  test('every tool call it produces is valid for the shared tool schemas', async () => {
    for (const [message] of CASES) {
      const result = await interpret(message);
      for (const call of result.kind === 'tools' ? result.calls : []) {
        expect(toToolCall(call.tool, JSON.stringify(call.args))).toEqual(call);
        if (call.tool === 'add_task' && call.args.recurrencePattern)
          expect(isValidRecurrencePattern(call.args.recurrencePattern)).toBe(true);
      }
    }
  });
});

describe('RuleInterpreter fuzz', () => {
  const ODD = [
    '#',
    '##',
    '#️⃣',
    '!!!',
    '???',
    'add',
    'add ',
    'add #',
    'add !!',
    'add tomorrow',
    'delete',
    'mark done',
    'rename to',
    'move to friday',
    'every',
    'every 0 days',
    'every 999999 weeks',
    'in 999 months',
    'on the 99th',
    'February 30',
    '2026-02-30',
    '25:99',
    '13pm',
    '0am',
    'at 99',
    'remind me',
    'remind me to',
    '"""',
    "''",
    '\u0000\u0001\u0002',
    '\ud800',
    '\u202e reversed',
    '🙂🙂🙂',
    'ñandú mañana',
    '中文 任务',
    '<script>alert(1)</script>',
    "'; DROP TABLE tasks; --",
    'null',
    'undefined',
    '{}',
    '[]',
    'a'.repeat(999),
    'add '.repeat(499),
    'every monday and '.repeat(117),
    '#a '.repeat(666),
    'x'.repeat(5000),
    'in 3 days '.repeat(199),
    'at 5 '.repeat(399),
    '1'.repeat(1999),
    'a,'.repeat(999),
    ' '.repeat(1999) + 'x',
    'move x to ' + 'to '.repeat(600) + 'friday',
    'at 5pm at 6pm at 7pm',
    'cron: * * * *',
    'cron:0 9 * * 1 2 3',
    'add x cron:99 99 * * *',
    'add x weekly:foo',
    'add x every:0:days',
    'add x monthly:45',
    `add x #${'b'.repeat(150)}`,
    `tag x with ${'c'.repeat(150)}`,
    `add x ${Array.from({ length: 30 }, (_, i) => `#t${i}`).join(' ')}`,
    `tag x with ${Array.from({ length: 30 }, (_, i) => `t${i}`).join(' ')}`,
    `find ${'report '.repeat(140)}`,
    `show tasks with tag ${'d'.repeat(150)}`,
    'move the the the to to to',
    'tasks tagged #',
    'find',
    'show',
    'what',
  ];

  // A fixed-seed generator keeps the fuzz reproducible: a failure names an input you can rerun.
  function* generated(count: number): Generator<string> {
    const atoms = [
      'add',
      'every',
      'monday',
      'at',
      '5pm',
      '#x',
      'remind',
      'me',
      'to',
      'the',
      'task',
      'done',
      'move',
      'in',
      '3',
      'days',
      'high',
      'priority',
      ',',
      '?',
      "'",
      'rename',
      'of',
      'june',
      '31st',
      'delete',
      'due',
      'show',
      'tomorrow',
      ':',
      '-',
      '2026-13-01',
    ];
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < count; i++) {
      const len = 1 + next(10);
      yield Array.from({ length: len }, () => atoms[next(atoms.length)]).join(next(3) === 0 ? '' : ' ');
    }
  }

  test('never throws and always returns a well-formed, valid interpretation', async () => {
    for (const message of [...ODD, ...generated(2000)]) {
      const started = Date.now();
      const result = await interpret(message);
      expect(Date.now() - started).toBeLessThan(250);
      if (result.kind === 'unknown') {
        expect(typeof result.response).toBe('string');
        expect(result.response.length).toBeGreaterThan(0);
        continue;
      }
      expect(result.calls.length).toBeGreaterThan(0);
      for (const call of result.calls) {
        if (toToolCall(call.tool, JSON.stringify(call.args)) === undefined)
          throw new Error(`invalid call for ${JSON.stringify(message)}: ${JSON.stringify(call)}`);
      }
    }
  });

  test('survives non-string input and a broken clock', async () => {
    await expect(rules.interpret(undefined as unknown as string, { now: NOW })).resolves.toMatchObject({
      kind: 'unknown',
    });
    await expect(rules.interpret(42 as unknown as string, { now: NOW })).resolves.toMatchObject({ kind: 'unknown' });
    await expect(rules.interpret('add x tomorrow', { now: new Date(Number.NaN) })).resolves.toMatchObject({
      kind: 'unknown',
    });
    await expect(rules.interpret('add x tomorrow', undefined as unknown as { now: Date })).resolves.toMatchObject({
      kind: 'unknown',
    });
  });
});
