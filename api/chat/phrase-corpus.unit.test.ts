/**
 * Everyday phrases → the tool call the offline interpreter makes of them, with every argument.
 * The clock is Wednesday 2026-11-25 10:00 UTC; the person is in UTC unless the block says
 * otherwise. The phrases are written the way people type, not the way the rules are written.
 */
import { toToolCall } from './llm-tools.js';
import { RuleInterpreter } from './rule-interpreter.js';
import type { Interpretation, ToolCall } from './tool-calls.js';

const NOW = new Date('2026-11-25T10:00:00Z');
const rules = new RuleInterpreter();

type Args<T extends ToolCall['tool']> = Extract<ToolCall, { tool: T }>['args'];
const one = (call: ToolCall): Interpretation => ({ kind: 'tools', calls: [call] });
const add = (args: Args<'add_task'>) => one({ tool: 'add_task', args });
const list = (args: Args<'list_tasks'>) => one({ tool: 'list_tasks', args: { status: 'pending', ...args } });
const done = (task: string) => one({ tool: 'complete_task', args: { task } });
const del = (task: string) => one({ tool: 'delete_task', args: { task } });
const upd = (task: string, changes: Args<'update_task'>['changes']) =>
  one({ tool: 'update_task', args: { task, changes } });
const remind = (task: string, remindAt: string) => one({ tool: 'set_reminder', args: { task, remindAt } });
const at = (iso: string) => `${iso}:00.000Z`;
const weekly = (pattern: string, extra: Partial<Args<'add_task'>> = {}) => ({
  isRecurringTemplate: true,
  recurrencePattern: pattern,
  ...extra,
});

export const CORPUS: [string, Interpretation][] = [
  // Adding
  ['add buy milk', add({ title: 'buy milk' })],
  ['add buy eggs tomorrow', add({ title: 'buy eggs', dueDate: at('2026-11-26T09:00') })],
  ['create a task to email the landlord', add({ title: 'email the landlord' })],
  ['new task: book flights for the holidays', add({ title: 'book flights for the holidays' })],
  ['I need to renew my passport next month', add({ title: 'renew my passport', dueDate: at('2026-12-01T09:00') })],
  [
    'i have to pay the electricity bill by friday',
    add({ title: 'pay the electricity bill', dueDate: at('2026-11-27T09:00') }),
  ],
  ['add call the dentist at 3pm', add({ title: 'call the dentist', dueDate: at('2026-11-25T15:00') })],
  ['add dinner with sam at 7:30pm on saturday', add({ title: 'dinner with sam', dueDate: at('2026-11-28T19:30') })],
  ['add submit report by 5', add({ title: 'submit report', dueDate: at('2026-11-25T17:00') })],
  ['add water plants in 3 days', add({ title: 'water plants', dueDate: at('2026-11-28T09:00') })],
  ['add check the oven in 20 minutes', add({ title: 'check the oven', dueDate: at('2026-11-25T10:20') })],
  ['add pick up kids at 3:15pm tomorrow', add({ title: 'pick up kids', dueDate: at('2026-11-26T15:15') })],
  ['todo: clean the bathroom', add({ title: 'clean the bathroom' })],
  ['jot down buy birthday card for anna', add({ title: 'buy birthday card for anna' })],
  ['add book club on dec 3', add({ title: 'book club', dueDate: at('2026-12-03T09:00') })],
  ['add file taxes on april 15', add({ title: 'file taxes', dueDate: at('2027-04-15T09:00') })],
  ['add gym session tomorrow morning', add({ title: 'gym session', dueDate: at('2026-11-26T09:00') })],
  ['add call grandma this afternoon', add({ title: 'call grandma', dueDate: at('2026-11-25T15:00') })],
  ['add take out the trash tonight', add({ title: 'take out the trash', dueDate: at('2026-11-25T20:00') })],
  [
    'add review pull requests at noon tomorrow',
    add({ title: 'review pull requests', dueDate: at('2026-11-26T12:00') }),
  ],
  ['add prepare slides, high priority', add({ title: 'prepare slides', priority: 'High' })],
  ['add fix the leaking tap urgent', add({ title: 'fix the leaking tap', priority: 'High' })],
  ['add buy stamps #errands', add({ title: 'buy stamps', tags: ['errands'] })],
  ['add read chapter 5 low priority', add({ title: 'read chapter 5', priority: 'Low' })],
  ['add order 12 eggs', add({ title: 'order 12 eggs' })],
  ['add pick up prescription at 4:30', add({ title: 'pick up prescription', dueDate: at('2026-11-25T16:30') })],
  ['dentist friday 3pm', add({ title: 'dentist', dueDate: at('2026-11-27T15:00') })],
  ['call the bank tomorrow 10am', add({ title: 'call the bank', dueDate: at('2026-11-26T10:00') })],
  ['add call mom at 5 tomorrow', add({ title: 'call mom', dueDate: at('2026-11-26T17:00') })],
  ['add go running at 6 in the morning', add({ title: 'go running', dueDate: at('2026-11-26T06:00') })],
  ['add renew license by end of week', add({ title: 'renew license', dueDate: at('2026-11-27T17:00') })],
  ['high priority: call the bank', add({ title: 'call the bank', priority: 'High' })],
  ['urgent: fix the sink', add({ title: 'fix the sink', priority: 'High' })],
  ["don't forget the milk tomorrow", add({ title: 'the milk', dueDate: at('2026-11-26T09:00') })],
  ['add flight at 07:30 tomorrow', add({ title: 'flight', dueDate: at('2026-11-26T07:30') })],
  ['add send the invoice eod', add({ title: 'send the invoice', dueDate: at('2026-11-25T17:00') })],
  [
    'add meeting with the team on monday at 10am #work',
    add({ title: 'meeting with the team', dueDate: at('2026-11-30T10:00'), tags: ['work'] }),
  ],
  [
    "don't let me forget to call the bank tomorrow at 11",
    add({ title: 'call the bank', dueDate: at('2026-11-26T11:00') }),
  ],
  ['remember to feed the cat at 6pm', add({ title: 'feed the cat', dueDate: at('2026-11-25T18:00') })],
  ['add mow the lawn this weekend', add({ title: 'mow the lawn', dueDate: at('2026-11-28T09:00') })],
  ['add renew car insurance on the 15th', add({ title: 'renew car insurance', dueDate: at('2026-12-15T09:00') })],
  ['add call plumber the day after tomorrow', add({ title: 'call plumber', dueDate: at('2026-11-27T09:00') })],
  ['add pay rent at the end of the month', add({ title: 'pay rent', dueDate: at('2026-11-30T09:00') })],
  [
    'add dentist appointment next tuesday at 2:30pm',
    add({ title: 'dentist appointment', dueDate: at('2026-12-01T14:30') }),
  ],
  ['schedule a haircut for friday at 4pm', add({ title: 'haircut', dueDate: at('2026-11-27T16:00') })],
  ['add buy a gift for mom by dec 20', add({ title: 'buy a gift for mom', dueDate: at('2026-12-20T09:00') })],
  ['add pack for the trip sunday evening', add({ title: 'pack for the trip', dueDate: at('2026-11-29T18:00') })],
  ['add return library books in a week', add({ title: 'return library books', dueDate: at('2026-12-02T09:00') })],
  [
    'need to call the insurance company tomorrow',
    add({ title: 'call the insurance company', dueDate: at('2026-11-26T09:00') }),
  ],
  ['buy oat milk tmrw at 5pm', add({ title: 'buy oat milk', dueDate: at('2026-11-26T17:00') })],
  ['i gotta finish the essay by thursday night', add({ title: 'finish the essay', dueDate: at('2026-11-26T20:00') })],
  ['add call mom at 5pm, tomorrow', add({ title: 'call mom', dueDate: at('2026-11-26T17:00') })],
  ['add lunch with priya on the 2nd at 1pm', add({ title: 'lunch with priya', dueDate: at('2026-12-02T13:00') })],
  ['please add clean the fridge on sunday', add({ title: 'clean the fridge', dueDate: at('2026-11-29T09:00') })],

  // Reminders that create the task: due at T, reminded at T (or the lead asked for)
  [
    'remind me to call mom on friday at 10am',
    add({ title: 'call mom', dueDate: at('2026-11-27T10:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me to take my pills at 8pm',
    add({ title: 'take my pills', dueDate: at('2026-11-25T20:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me to check the mail in 2 hours',
    add({ title: 'check the mail', dueDate: at('2026-11-25T12:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me to stretch in 45 minutes',
    add({ title: 'stretch', dueDate: at('2026-11-25T10:45'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me to pay the phone bill tomorrow',
    add({ title: 'pay the phone bill', dueDate: at('2026-11-26T09:00'), reminderLeadMinutes: 0 }),
  ],
  ['remind me to buy bread', add({ title: 'buy bread' })],
  [
    'remind me to call the vet on monday at 9, 30 minutes before',
    add({ title: 'call the vet', dueDate: at('2026-11-30T09:00'), reminderLeadMinutes: 30 }),
  ],
  [
    'set a reminder to water the garden at 7pm',
    add({ title: 'water the garden', dueDate: at('2026-11-25T19:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me to submit the form by friday 5pm',
    add({ title: 'submit the form', dueDate: at('2026-11-27T17:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'ping me to join the call at 2pm',
    add({ title: 'join the call', dueDate: at('2026-11-25T14:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me at 3pm to call john',
    add({ title: 'call john', dueDate: at('2026-11-25T15:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me in 5 minutes to check the oven',
    add({ title: 'check the oven', dueDate: at('2026-11-25T10:05'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me to leave at half past 5',
    add({ title: 'leave', dueDate: at('2026-11-25T17:30'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me to call at quarter to 6',
    add({ title: 'call', dueDate: at('2026-11-25T17:45'), reminderLeadMinutes: 0 }),
  ],
  [
    'remind me tomorrow to pay rent',
    add({ title: 'pay rent', dueDate: at('2026-11-26T09:00'), reminderLeadMinutes: 0 }),
  ],
  ['in 2 hours remind me to leave', add({ title: 'leave', dueDate: at('2026-11-25T12:00'), reminderLeadMinutes: 0 })],
  [
    'add a reminder to call mom at 5',
    add({ title: 'call mom', dueDate: at('2026-11-25T17:00'), reminderLeadMinutes: 0 }),
  ],
  [
    'add dentist on friday at 3pm and remind me an hour before',
    add({ title: 'dentist', dueDate: at('2026-11-27T15:00'), reminderLeadMinutes: 60 }),
  ],

  // Reminders on existing tasks
  ['remind me about the report in 10 minutes', remind('report', at('2026-11-25T10:10'))],
  ['remind me about dentist tomorrow at 8am', remind('dentist', at('2026-11-26T08:00'))],
  ['set a reminder for the meeting at 3pm', remind('meeting', at('2026-11-25T15:00'))],
  ['remind me in an hour about the laundry', remind('laundry', at('2026-11-25T11:00'))],
  ['remind me 30 minutes before', upd('it', { reminderLeadMinutes: 30 })],
  ['remind me an hour before the dentist', upd('dentist', { reminderLeadMinutes: 60 })],
  ['remind me about the flight 2 hours before', upd('flight', { reminderLeadMinutes: 120 })],
  ['remind me about it tomorrow at noon', remind('it', at('2026-11-26T12:00'))],
  ['remind me a day before the party', upd('party', { reminderLeadMinutes: 1440 })],
  ['alert me 15 minutes before the standup', upd('standup', { reminderLeadMinutes: 15 })],
  ['give me a reminder 1 hour before the dentist', upd('dentist', { reminderLeadMinutes: 60 })],
  ['set a reminder 15 min before my call with anna', upd('call with anna', { reminderLeadMinutes: 15 })],
  ['remind me about calling mom in 10 minutes', remind('calling mom', at('2026-11-25T10:10'))],
  ['remind me in 10 minutes', remind('it', at('2026-11-25T10:10'))],
  ['notify me about the gas bill on friday', remind('gas bill', at('2026-11-27T09:00'))],
  ['remind me about that at 6pm', remind('it', at('2026-11-25T18:00'))],

  // Recurring
  [
    'every monday at 9am team meeting',
    add({ title: 'team meeting', dueDate: at('2026-11-30T09:00'), ...weekly('weekly:mon') }),
  ],
  [
    'add water the plants every day at 8am',
    add({ title: 'water the plants', dueDate: at('2026-11-26T08:00'), ...weekly('daily') }),
  ],
  [
    'take out the bins every tuesday evening',
    add({ title: 'take out the bins', dueDate: at('2026-12-01T18:00'), ...weekly('weekly:tue') }),
  ],
  ['add pay rent monthly on the 1st', add({ title: 'pay rent', ...weekly('monthly:1') })],
  ['remind me to stretch every hour', add({ title: 'stretch', ...weekly('cron:0 * * * *') })],
  ['every other week clean the windows', add({ title: 'clean the windows', ...weekly('every:2:weeks') })],
  [
    'add yoga every tuesday and thursday at 6pm',
    add({ title: 'yoga', dueDate: at('2026-11-26T18:00'), ...weekly('weekly:tue,thu') }),
  ],
  ['call mom every sunday', add({ title: 'call mom', ...weekly('weekly:sun') })],
  ['add review budget on the 15th of every month', add({ title: 'review budget', ...weekly('monthly:15') })],
  [
    'every year on march 3 renew the domain',
    add({ title: 'renew the domain', dueDate: at('2027-03-03T09:00'), ...weekly('cron:0 9 3 3 *') }),
  ],
  ['add backup every night', add({ title: 'backup', dueDate: at('2026-11-25T20:00'), ...weekly('daily') })],
  ['every morning meditate', add({ title: 'meditate', dueDate: at('2026-11-26T09:00'), ...weekly('daily') })],
  ['every 3 days water the cactus', add({ title: 'water the cactus', ...weekly('every:3:days') })],
  [
    'add team lunch every friday at noon',
    add({ title: 'team lunch', dueDate: at('2026-11-27T12:00'), ...weekly('weekly:fri') }),
  ],
  ['on weekends sleep in', add({ title: 'sleep in', ...weekly('weekly:sat,sun') })],
  [
    'remind me every day at 7am to take vitamins',
    add({ title: 'take vitamins', dueDate: at('2026-11-26T07:00'), ...weekly('daily') }),
  ],
  ['every first of the month pay rent', add({ title: 'pay rent', ...weekly('monthly:1') })],
  ['pay rent on the last day of every month', add({ title: 'pay rent', ...weekly('monthly:31') })],
  ['make the gym task repeat every monday', upd('gym', { isRecurringTemplate: true, recurrencePattern: 'weekly:mon' })],
  ['stop repeating the standup', upd('standup', { isRecurringTemplate: false, recurrencePattern: null })],
  ['make it repeat every week', upd('it', { isRecurringTemplate: true, recurrencePattern: 'weekly:wed' })],
  [
    'every weekday at 8:30 check email',
    add({ title: 'check email', dueDate: at('2026-11-26T08:30'), ...weekly('weekdays') }),
  ],

  // Completing
  ['mark call mom as done', done('call mom')],
  ['i called mom', done('called mom')],
  ['done with the laundry', done('laundry')],
  ['finished the presentation', done('presentation')],
  ['check off groceries', done('groceries')],
  ['tick off call bank', done('call bank')],
  ['the dentist thing is done', done('dentist')],
  ['mark it as done', done('it')],
  ["that's done", done('it')],
  ['complete the report', done('report')],
  ["I've paid the rent", done('pay the rent')],
  ['i bought the milk', done('buy the milk')],
  ['mark buy milk as completed', done('buy milk')],
  ['finished it', done('it')],
  ['i just emailed the landlord', done('emailed the landlord')],
  ['I walked the dog', done('walked the dog')],
  ['buy milk done', done('buy milk')],
  ['crossed off buy milk', done('buy milk')],
  ['tick the milk', done('milk')],
  ['mark the calling mom task done', done('calling mom')],
  ['the tax return is finished', done('tax return')],

  // Deleting
  ['delete buy milk', del('buy milk')],
  ['remove the gym task', del('gym')],
  ['cancel my dentist appointment', del('dentist appointment')],
  ['get rid of the old report task', del('old report')],
  ['delete it', del('it')],
  ['forget about the party', del('party')],
  ['scrap the haircut', del('haircut')],
  ['trash that', del('it')],
  ['drop the meeting from my list', del('meeting')],
  ['i no longer need to buy milk', del('buy milk')],
  ['never mind the milk', del('milk')],

  // Updating
  ['move the call mom task to saturday', upd('call mom', { dueDay: '2026-11-28' })],
  ['move it to tomorrow', upd('it', { dueDay: '2026-11-26' })],
  ['reschedule the dentist to friday at 3pm', upd('dentist', { dueDate: at('2026-11-27T15:00') })],
  ['push the report to next week', upd('report', { dueDay: '2026-11-30' })],
  ['change the deadline for taxes to dec 15', upd('taxes', { dueDay: '2026-12-15' })],
  ['rename buy milk to buy oat milk', upd('buy milk', { title: 'buy oat milk' })],
  ['set the priority of the report to high', upd('report', { priority: 'High' })],
  ['make the dentist high priority', upd('dentist', { priority: 'High' })],
  ['mark the tax return as urgent', upd('tax return', { priority: 'High' })],
  ['lower the priority of gym', upd('gym', { priority: 'Low' })],
  ['tag the report with work', upd('report', { tags: ['work'] })],
  ['remove the due date from the report', upd('report', { dueDate: null })],
  ['make the report due friday at noon', upd('report', { dueDate: at('2026-11-27T12:00') })],
  ['the dentist is now due on monday', upd('dentist', { dueDay: '2026-11-30' })],
  ['move the standup to 10am', upd('standup', { dueTime: '10:00' })],
  ['change the gym to 6pm', upd('gym', { dueTime: '18:00' })],
  ['set the description of report to include charts', upd('report', { description: 'include charts' })],
  ['add a note to the report: check numbers', upd('report', { description: 'check numbers' })],
  ['rename it to call dad', upd('it', { title: 'call dad' })],
  ['bump the report to friday', upd('report', { dueDay: '2026-11-27' })],
  ['deprioritize the gym', upd('gym', { priority: 'Low' })],
  ['change the dentist appointment to thursday', upd('dentist appointment', { dueDay: '2026-11-26' })],
  ['move dentist to the 3rd', upd('dentist', { dueDay: '2026-12-03' })],
  ['make call mom low priority', upd('call mom', { priority: 'Low' })],
  ['set priority high for call mom', upd('call mom', { priority: 'High' })],
  ['push the dentist back a day', upd('dentist', { dueShift: { amount: 1, unit: 'days' } })],
  ['move the meeting up an hour', upd('meeting', { dueShift: { amount: -1, unit: 'hours' } })],
  ['postpone the report by 2 days', upd('report', { dueShift: { amount: 2, unit: 'days' } })],
  ['delay the call by 30 minutes', upd('call', { dueShift: { amount: 30, unit: 'minutes' } })],
  ['push it back a week', upd('it', { dueShift: { amount: 1, unit: 'weeks' } })],
  ['postpone the dentist until next monday at 2pm', upd('dentist', { dueDate: at('2026-11-30T14:00') })],
  ['move the report to 2 hours from now', upd('report', { dueDate: at('2026-11-25T12:00') })],

  // Questions
  ["what's on my plate today", list({ dueFrom: at('2026-11-25T00:00'), dueTo: '2026-11-25T23:59:59.999Z' })],
  ['what do I have tomorrow?', list({ dueFrom: at('2026-11-26T00:00'), dueTo: '2026-11-26T23:59:59.999Z' })],
  ["what's tagged errands?", list({ tag: 'errands' })],
  ['what do I have tagged errands?', list({ tag: 'errands' })],
  ['anything urgent?', list({ priority: 'High' })],
  ['show me my high priority tasks', list({ priority: 'High' })],
  ['list tasks tagged work', list({ tag: 'work' })],
  ['what have I finished?', list({ status: 'completed' })],
  ['show everything', list({ status: 'all' })],
  ["what's overdue?", list({ dueTo: at('2026-11-25T10:00') })],
  [
    'do I have anything due this weekend?',
    list({ dueFrom: at('2026-11-28T00:00'), dueTo: '2026-11-29T23:59:59.999Z' }),
  ],
  ['what is due next week', list({ dueFrom: at('2026-11-30T00:00'), dueTo: '2026-12-06T23:59:59.999Z' })],
  ['show low priority tasks tagged home', list({ priority: 'Low', tag: 'home' })],
  [
    'anything important this week?',
    list({ priority: 'High', dueFrom: at('2026-11-23T00:00'), dueTo: '2026-11-29T23:59:59.999Z' }),
  ],
  ['find the dentist task', list({ search: 'dentist' })],
  ['how many tasks do I have?', list({})],
  ["what's due on friday", list({ dueFrom: at('2026-11-27T00:00'), dueTo: '2026-11-27T23:59:59.999Z' })],
  ['show completed tasks', list({ status: 'completed' })],
  ['list my urgent tasks', list({ priority: 'High' })],
  ['what tasks are tagged #home?', list({ tag: 'home' })],
  ['show tasks due in the next 3 days', list({ dueFrom: at('2026-11-25T10:00'), dueTo: '2026-11-28T23:59:59.999Z' })],
  ["what's coming up", list({ dueFrom: at('2026-11-25T10:00'), dueTo: '2026-12-02T23:59:59.999Z' })],
  ['my tasks', list({})],
  ['search for invoice', list({ search: 'invoice' })],
  ['any tasks with the tag work?', list({ tag: 'work' })],
  ['is there anything tagged #family', list({ tag: 'family' })],
  ['what should I do today?', list({ dueFrom: at('2026-11-25T00:00'), dueTo: '2026-11-25T23:59:59.999Z' })],
  ['what are my urgent tasks', list({ priority: 'High' })],
  ['list everything tagged work', list({ status: 'all', tag: 'work' })],
  ['what is due by friday', list({ dueTo: '2026-11-27T23:59:59.999Z' })],
  ['tasks due after monday', list({ dueFrom: at('2026-12-01T00:00') })],
  ['what do I have on the 3rd', list({ dueFrom: at('2026-12-03T00:00'), dueTo: '2026-12-03T23:59:59.999Z' })],
  [
    'what did I finish yesterday',
    list({ status: 'completed', dueFrom: at('2026-11-24T00:00'), dueTo: '2026-11-24T23:59:59.999Z' }),
  ],
  ['whats next', list({})],
  ['show me the dentist task', list({ search: 'dentist' })],
  ['give me my todo list', list({})],
  ["tomorrow's agenda", list({ dueFrom: at('2026-11-26T00:00'), dueTo: '2026-11-26T23:59:59.999Z' })],
  ['what about tomorrow', list({ dueFrom: at('2026-11-26T00:00'), dueTo: '2026-11-26T23:59:59.999Z' })],
];

describe('everyday phrases (UTC)', () => {
  test.each(CORPUS)('%s', async (message, expected) => {
    const got = await rules.interpret(message, { now: NOW, timeZone: 'UTC' });
    expect(got).toEqual(expected);
    for (const call of got.kind === 'tools' ? got.calls : [])
      expect(toToolCall(call.tool, JSON.stringify(call.args))).toEqual(call);
  });

  test('the corpus has at least 150 phrases, every kind of request among them', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    const tools = new Set(CORPUS.flatMap(([, i]) => (i.kind === 'tools' ? i.calls.map((c) => c.tool) : [])));
    expect([...tools].sort()).toEqual([
      'add_task',
      'complete_task',
      'delete_task',
      'list_tasks',
      'set_reminder',
      'update_task',
    ]);
  });
});
